// Builds dist/: every handler in one private Function, a stub per public route, the page, and the client module.
// A deployed Function cannot import files outside functions/ and assets/; the Twilio way to share code between
// Functions is a private Function, required through Runtime.getFunctions(). So lib/, jose and zod are bundled once,
// into dist/functions/kit.private.js, and each route is a two-line stub that requires it.
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { LOCALES } from '../assets/locales';
import { clientDeclarations } from './client-types';
import { minifyAsset } from './minify-assets';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'dist');
/** Provided by the Twilio platform from package.json `dependencies`; everything else is bundled. */
const PLATFORM_PACKAGES = ['twilio', '@twilio/runtime-handler'];
/** The private Function holding every handler: its name in Runtime.getFunctions(), and its file. */
export const KIT_FUNCTION = 'kit';
const KIT_FILE = `${KIT_FUNCTION}.private.js`;
/** Source files of the page that are not copied as they are. */
const ASSET_SOURCES = /\.ts$|^tsconfig\.json$/;
/** Browsers the page and the client module support (ES2022 syntax, ES modules). */
const BROWSERS = ['chrome110', 'firefox110', 'safari16'];

/** One route of functions/: its source, its key in the kit's handler map (the route without the slash), its stub. */
export interface FunctionRoute {
  source: string;
  key: string;
  stub: string;
}

/**
 * Each language's catalog, assets/i18n/<tag>.ts, as its own dist/assets/i18n/<tag>.json: the page fetches only the
 * visitor's language (connect-src 'self'), and a catalog is data, never script.
 */
function writeCatalogs(sourceDir: string, outDir: string): void {
  const expected = LOCALES.map(({ tag }) => `${tag}.ts`).sort();
  const found = readdirSync(sourceDir).sort();
  if (found.join() !== expected.join()) {
    throw new Error(`assets/i18n/ holds ${found.join(', ')}; assets/locales.ts lists ${expected.join(', ')}`);
  }
  mkdirSync(outDir, { recursive: true });
  for (const { tag } of LOCALES) {
    const catalog = (require(join(sourceDir, `${tag}.ts`)) as { default: unknown }).default;
    writeFileSync(join(outDir, `${tag}.json`), JSON.stringify(catalog));
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** Every functions/**.ts is a route (new ones included, with no list to keep); `x.protected.ts` keeps its marker. */
export function functionRoutes(functionsDir: string, outDir: string): FunctionRoute[] {
  return listFiles(functionsDir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((source) => {
      const rel = relative(functionsDir, source).split(sep).join('/');
      // The route as twilio-run names it: visibility marker and extension dropped.
      const key = rel.replace(/(\.protected|\.private)?\.ts$/, '');
      if (key === KIT_FUNCTION) throw new Error(`functions/${rel}: the route /${KIT_FUNCTION} is the shared bundle's name`);
      return { source, key, stub: join(outDir, rel.replace(/\.ts$/, '.js')) };
    });
}

/** The kit's entry: every route's handler, by route. */
function kitEntry(routes: FunctionRoute[]): string {
  const imports = routes.map((route, i) => `import { handler as handler${i} } from './${relative(ROOT, route.source).split(sep).join('/').replace(/\.ts$/, '')}';`);
  const entries = routes.map((route, i) => `  ${JSON.stringify(route.key)}: handler${i},`);
  return [...imports, 'export const handlers = {', ...entries, '};', ''].join('\n');
}

/**
 * A route's Function: the platform requires it and calls `handler`; the handler lives in the kit. The one computed
 * require of the upload (tests/deploy/upload.test.ts says why it is safe).
 */
function stubSource(route: FunctionRoute): string {
  return [
    `// /${route.key}: its handler is in the private Function "${KIT_FUNCTION}", which holds every route's (scripts/build.ts).`,
    `exports.handler = require(Runtime.getFunctions()[${JSON.stringify(KIT_FUNCTION)}].path).handlers[${JSON.stringify(route.key)}];`,
    '',
  ].join('\n');
}

async function buildFunctions(functionsDir: string, outDir: string): Promise<void> {
  const routes = functionRoutes(functionsDir, outDir);
  await build({
    stdin: { contents: kitEntry(routes), resolveDir: ROOT, sourcefile: 'kit.ts', loader: 'ts' },
    outfile: join(outDir, KIT_FILE),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: PLATFORM_PACKAGES,
    sourcemap: false,
    // Short names and simpler syntax, but line breaks kept: stack traces and log locations stay readable.
    minifySyntax: true,
    minifyIdentifiers: true,
    // Function and class names survive the short names, so stack traces in the Twilio Console name them.
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const route of routes) {
    mkdirSync(dirname(route.stub), { recursive: true });
    writeFileSync(route.stub, stubSource(route));
  }
}

async function buildAssets(assetsDir: string, outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  for (const file of listFiles(assetsDir)) {
    const rel = relative(assetsDir, file);
    if (ASSET_SOURCES.test(rel.split(sep).pop() ?? '')) continue;
    // CSS minified and HTML without comments and indentation (scripts/minify-assets.ts); the rest as it is.
    const minified = minifyAsset(rel, readFileSync(file, 'utf8'));
    if (minified === null) cpSync(file, join(outDir, rel));
    else writeFileSync(join(outDir, rel), minified);
  }
  const browser: BuildOptions = { bundle: true, platform: 'browser', target: BROWSERS, sourcemap: false, legalComments: 'none', logLevel: 'warning' };
  // The page: one script, the client module and qrcode's encoder included, for byte segments only (assets/qr.ts).
  await build({ ...browser, entryPoints: [join(assetsDir, 'app.ts')], outfile: join(outDir, 'app.js'), format: 'iife', minify: true, plugins: [byteSegmentsOnly] });
  // The client module for host frontends: an ES module, readable (not minified), with its types next to it.
  await build({
    ...browser,
    entryPoints: [join(assetsDir, 'totp-client.ts')],
    outfile: join(outDir, 'totp-client.js'),
    format: 'esm',
    banner: { js: '// totp-client.js: the TOTP kit\'s browser client, an ES module with no dependencies. Types: dist/totp-client.d.ts. Guide: docs/integrate.md.' },
  });
  // Its types go next to dist/assets, not in it: a deploy uploads every file there as a public asset, and a type file is
  // for a host project's build, not for browsers (Twilio would serve it as video/mp2t, the MIME type of `.ts`).
  writeFileSync(join(outDir, '..', 'totp-client.d.ts'), clientDeclarations(join(assetsDir, 'totp-client.ts')));
  // The example sign-in step imports the client module as a separate file, as a host page would.
  await build({ ...browser, entryPoints: [join(assetsDir, 'sign-in-step.ts')], outfile: join(outDir, 'sign-in-step.js'), format: 'esm', external: ['./totp-client.js'] });
  writeCatalogs(join(assetsDir, 'i18n'), join(outDir, 'i18n'));
}

/**
 * qrcode turns text into segments (numeric, alphanumeric, kanji, byte), with a shortest-path library to choose them.
 * The page hands it one ready byte segment (assets/qr.ts), so its segment module is replaced by one that builds byte
 * segments only, and says so if anything else is asked of it: the page carries none of the other modes' code.
 */
const SEGMENTS_STUB = `
const ByteData = require('./byte-data');
const refuse = () => { throw new Error('qrcode: the page bundles byte segments only (scripts/build.ts)'); };
exports.fromArray = (segments) => segments.map((segment) => (segment.mode === 'byte' ? new ByteData(segment.data) : refuse()));
exports.fromString = refuse;
exports.rawSplit = refuse;
`;
/** The modes' text patterns, which only the segment module above would have asked for. */
const REGEX_STUB = `
const refuse = () => { throw new Error('qrcode: the page bundles byte segments only (scripts/build.ts)'); };
exports.testNumeric = exports.testAlphanumeric = exports.testKanji = refuse;
`;
const STUBS: Readonly<Record<string, string>> = { segments: SEGMENTS_STUB, regex: REGEX_STUB };

const byteSegmentsOnly: Plugin = {
  name: 'qrcode-byte-segments-only',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\/(segments|regex)$/ }, (args) =>
      /[\\/]qrcode[\\/]lib[\\/]core$/.test(args.resolveDir) ? { path: join(args.resolveDir, `${args.path.slice(2)}.js`), namespace: 'qrcode-stub' } : undefined,
    );
    plugin.onLoad({ filter: /.*/, namespace: 'qrcode-stub' }, (args) => ({
      contents: STUBS[basename(args.path, '.js')] ?? '',
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

export async function buildAll(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  await buildFunctions(join(ROOT, 'functions'), join(OUT, 'functions'));
  await buildAssets(join(ROOT, 'assets'), join(OUT, 'assets'));
}

if (require.main === module) {
  buildAll().then(
    () => console.log(`built ${relative(process.cwd(), OUT) || 'dist'}/`),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
