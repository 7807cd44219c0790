// The client module as a host project gets it from dist/: assets/totp-client.js an ES module with no dependencies,
// totp-client.d.ts (beside assets/, not uploaded) types that stand alone, and the example page under the same strict policy as the kit's page.
// Needs a fresh build (jest's globalSetup builds).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

const ASSETS = join(__dirname, '..', '..', 'dist', 'assets');
let project: string;

beforeAll(() => {
  // A host project elsewhere: the two files, copied as docs/integrate.md says, and nothing of this repository.
  project = mkdtempSync(join(tmpdir(), 'totp-host-'));
  copyFileSync(join(ASSETS, 'totp-client.js'), join(project, 'totp-client.js'));
  copyFileSync(join(ASSETS, '..', 'totp-client.d.ts'), join(project, 'totp-client.d.ts'));
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

/** tsc on one file of the host project: ES modules, DOM, strict; the diagnostics as text, and the files it read. */
function typecheck(source: string): { problems: string[]; files: string[] } {
  const file = join(project, `host-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, source);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  const files = program.getSourceFiles().map((f) => f.fileName).filter((name) => !name.includes('/node_modules/typescript/lib/'));
  return { problems, files };
}

describe('totp-client.d.ts', () => {
  test('stands alone: a host project type-checks against it with no other file of the kit', () => {
    const { problems, files } = typecheck(`
      import { createTotpClient, TotpClientError, type CreateChallengeResponse, type TotpErrorCode, type ApprovalClaims } from './totp-client.js';
      const client = createTotpClient({ baseUrl: 'https://totp-1234-dev.twil.io', getToken: async () => 'jwt' });
      export async function signIn(code: string): Promise<string | null> {
        try {
          const result: CreateChallengeResponse = await client.check({ code, nonce: 'n' });
          return result.status === 'approved' ? result.approval : null;
        } catch (error) {
          if (error instanceof TotpClientError && error.locked) return String(error.retryAt);
          const code: TotpErrorCode | string = error instanceof TotpClientError ? error.code : 'network_error';
          return code;
        }
      }
      export const left = async (): Promise<number> => (await client.useRecoveryCode({ code: 'ABCDE-12345' })).recoveryCodesLeft;
      export type Claims = ApprovalClaims['amr'];
    `);
    expect(problems).toEqual([]);
    expect(files.map((name) => name.slice(project.length + 1)).filter((name) => !name.startsWith('host-'))).toEqual(['totp-client.d.ts']);
    expect(readFileSync(join(ASSETS, '..', 'totp-client.d.ts'), 'utf8')).not.toMatch(/^\s*(import|export .* from)\b/m);
  });

  test('is real types, not any: a wrong request or a wrong field does not compile', () => {
    const { problems } = typecheck(`
      import { createTotpClient } from './totp-client.js';
      const client = createTotpClient({ baseUrl: 'https://x.example', getToken: () => null });
      export const a = client.check({ nonce: 'n' });
      export const b = client.confirm({ factorSid: 'YF1', code: 123456 });
      export const c = client.listFactors().then((r) => r.factors[0]?.secret);
    `);
    expect(problems).toEqual([
      expect.stringContaining("Property 'code' is missing"),
      expect.stringContaining("Type 'number' is not assignable to type 'string'"),
      expect.stringContaining("Property 'secret' does not exist"),
    ]);
  });
});

describe('totp-client.js', () => {
  test('is an ES module with no import or require, exporting createTotpClient and TotpClientError', () => {
    const code = readFileSync(join(ASSETS, 'totp-client.js'), 'utf8');
    expect(code).not.toMatch(/^\s*import\b|\bimport\s*\(|\brequire\s*\(/m);
    // Node loads it as a browser would, as a module, from the host project (an ES module package) with nothing else in it.
    writeFileSync(join(project, 'package.json'), '{"type": "module"}\n');
    const exported = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(`file://${join(project, 'totp-client.js')}`)}); process.stdout.write(JSON.stringify(Object.keys(m).sort()));`],
      { encoding: 'utf8', cwd: project },
    );
    expect(JSON.parse(exported)).toEqual(['TotpClientError', 'createTotpClient', 'parseRetryAfter']);
  });
});

describe('sign-in-step.html, the example page', () => {
  const html = readFileSync(join(ASSETS, 'sign-in-step.html'), 'utf8');
  const policy = (page: string): string | undefined => /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(page)?.[1];

  test("has the kit's page's Content-Security-Policy and no inline script", () => {
    expect(policy(html)).toBe(policy(readFileSync(join(ASSETS, 'index.html'), 'utf8')));
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((match) => [match[1]?.trim(), match[2]?.trim()])).toEqual([['type="module" src="sign-in-step.js"', '']]);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  test('its script imports the client module as its own file, next to it', () => {
    const code = readFileSync(join(ASSETS, 'sign-in-step.js'), 'utf8');
    expect([...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1])).toEqual(['./totp-client.js']);
  });
});
