// Builds dist/: one CommonJS bundle per Function (lib/ inlined, `twilio` left to the platform) and the page assets.
// A deployed Function cannot import files outside functions/ and assets/, hence a bundle per Function.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LOCALES } from '../assets/locales';
import { minifyAsset } from './minify-assets';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'dist');
/** Provided by the Twilio platform from package.json `dependencies`; everything else is bundled. */
const PLATFORM_PACKAGES = ['twilio', '@twilio/runtime-handler'];
/** Source files of the page that are not copied as they are. */
const ASSET_SOURCES = /\.ts$|^tsconfig\.json$/;

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

export async function buildAll(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  const functionsDir = join(ROOT, 'functions');
  const entryPoints = listFiles(functionsDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  await build({
    entryPoints,
    outbase: functionsDir,
    outdir: join(OUT, 'functions'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: PLATFORM_PACKAGES,
    sourcemap: false,
    // Short names and simpler syntax, but line breaks kept: stack traces and log locations stay readable.
    minifySyntax: true,
    minifyIdentifiers: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
  });

  const assetsDir = join(ROOT, 'assets');
  const assetsOut = join(OUT, 'assets');
  mkdirSync(assetsOut, { recursive: true });
  for (const file of listFiles(assetsDir)) {
    const rel = relative(assetsDir, file);
    if (ASSET_SOURCES.test(rel.split('/').pop() ?? '')) continue;
    const minified = minifyAsset(rel, readFileSync(file, 'utf8'));
    if (minified === null) cpSync(file, join(assetsOut, rel));
    else writeFileSync(join(assetsOut, rel), minified);
  }
  await build({
    entryPoints: [join(assetsDir, 'app.ts')],
    outfile: join(assetsOut, 'app.js'),
    bundle: true,
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    format: 'iife',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  writeCatalogs(join(assetsDir, 'i18n'), join(assetsOut, 'i18n'));
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
