// totp-client.d.ts: the client module's declarations (tsc, emitDeclarationOnly) with the JSON contract of
// lib/contract.ts inlined, so the file stands alone next to totp-client.js in a host's project. A type the contract
// derives from another module (ErrorCode, from the error list) is written out as the union it stands for.
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

const CONTRACT = resolve(__dirname, '..', 'lib', 'contract.ts');

function declarationsOf(source: string): { client: string; contract: string; derived: Map<string, string> } {
  const options: ts.CompilerOptions = {
    declaration: true,
    emitDeclarationOnly: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
  };
  const program = ts.createProgram([source], options);
  const problems = ts.getPreEmitDiagnostics(program);
  if (problems.length > 0) {
    throw new Error(`totp-client.d.ts: ${ts.formatDiagnostics(problems, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dirname(source), getNewLine: () => '\n' })}`);
  }
  const emitted = new Map<string, string>();
  program.emit(undefined, (file, text) => emitted.set(resolve(file), text), undefined, true);
  const client = emitted.get(source.replace(/\.ts$/, '.d.ts'));
  const contract = emitted.get(CONTRACT.replace(/\.ts$/, '.d.ts'));
  if (client === undefined || contract === undefined) throw new Error(`totp-client.d.ts: tsc emitted ${[...emitted.keys()].join(', ')}`);
  return { client, contract, derived: derivedAliases(program) };
}

/** The contract's type aliases that read another module (`keyof typeof ERROR_CODES`), by name, as the type they resolve to. */
function derivedAliases(program: ts.Program): Map<string, string> {
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(CONTRACT);
  const derived = new Map<string, string>();
  for (const statement of file?.statements ?? []) {
    if (!ts.isTypeAliasDeclaration(statement) || !/\btypeof\b/.test(statement.type.getText(file))) continue;
    const type = checker.getTypeAtLocation(statement.name);
    derived.set(statement.name.text, checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias));
  }
  return derived;
}

/** The module a statement imports from or re-exports, if any. */
function moduleOf(statement: ts.Statement): string | undefined {
  const specifier = ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
  return specifier !== undefined && ts.isStringLiteral(specifier) ? specifier.text : undefined;
}

/**
 * The statements of a declaration file as written, minus those that import from or re-export `dropped` modules; a type
 * alias named in `derived` is written as the type it resolves to instead.
 */
function statementsWithout(text: string, dropped: (module: string) => boolean, derived = new Map<string, string>()): string {
  const file = ts.createSourceFile('x.d.ts', text, ts.ScriptTarget.ES2022, true);
  const kept = file.statements.filter((statement) => {
    const module = moduleOf(statement);
    if (module === undefined) return true;
    if (dropped(module)) return false;
    throw new Error(`totp-client.d.ts would import ${module}: only the contract is inlined, nothing else may be imported`);
  });
  // getFullText keeps each statement's doc comment.
  return kept
    .map((statement) => {
      const full = statement.getFullText(file);
      const name = ts.isTypeAliasDeclaration(statement) ? statement.name.text : undefined;
      const resolved = name === undefined ? undefined : derived.get(name);
      if (resolved === undefined) return full;
      const comment = full.slice(0, statement.getStart(file) - statement.getFullStart());
      return `${comment}export type ${name} = ${resolved};`;
    })
    .join('')
    .trim();
}

/** The whole totp-client.d.ts: the contract's declarations, then the client's, with no import left. */
export function clientDeclarations(source: string): string {
  const { client, contract, derived } = declarationsOf(resolve(source));
  const isContract = (module: string): boolean => resolve(dirname(source), module) === CONTRACT.replace(/\.ts$/, '');
  // The contract's own imports are type-only, for the aliases written out below.
  const isContractImport = (module: string): boolean => resolve(dirname(CONTRACT), module).startsWith(dirname(CONTRACT));
  return [
    '// totp-client.d.ts: types of totp-client.js, the TOTP kit\'s browser client. Self-contained: the JSON contract is inlined.',
    '',
    '// The JSON contract of the kit\'s endpoints (lib/contract.ts).',
    statementsWithout(contract, isContractImport, derived),
    '',
    '// The client (assets/totp-client.ts).',
    statementsWithout(client, isContract),
    '',
  ].join('\n');
}

if (require.main === module) {
  process.stdout.write(clientDeclarations(join(__dirname, '..', 'assets', 'totp-client.ts')));
}
