// Builds dist/: one CommonJS bundle per Function (lib/ inlined, `twilio` left to the platform) and the page assets.
// A deployed Function cannot import files outside functions/ and assets/, hence a bundle per Function.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'dist');
/** Provided by the Twilio platform from package.json `dependencies`; everything else is bundled. */
const PLATFORM_PACKAGES = ['twilio', '@twilio/runtime-handler'];
/** Source files of the page that are not copied as they are. */
const ASSET_SOURCES = /\.ts$|^tsconfig\.json$/;

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
    minify: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
  });

  const assetsDir = join(ROOT, 'assets');
  const assetsOut = join(OUT, 'assets');
  mkdirSync(assetsOut, { recursive: true });
  for (const file of listFiles(assetsDir)) {
    const rel = relative(assetsDir, file);
    if (!ASSET_SOURCES.test(rel.split('/').pop() ?? '')) cpSync(file, join(assetsOut, rel));
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
