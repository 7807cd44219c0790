// What `npm run deploy` uploads, seen through the serverless toolkit's own code: files, visibility, imports, variables.
// Needs a fresh build (`npm test` builds before jest; alone: `npm run build && npx jest tests/deploy`).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { getDependencies } from '@twilio-labs/serverless-api';
import { getListOfFunctionsAndAssets } from '@twilio-labs/serverless-api/dist/utils/fs';
import type { DirectoryContent } from '@twilio-labs/serverless-api';
import { readSpecializedConfig } from 'twilio-run/dist/config/global';
import { KIT_FUNCTION } from '../../scripts/build';
import { planDeploy, type DeployPlan } from '../../scripts/deploy';
import { LOCALES } from '../../assets/locales';

const ROOT = join(__dirname, '..', '..');
const PACKAGE_JSON = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
};
/** The endpoints the kit promises (ARCHITECTURE.md), and the approval tokens' public keys; the Studio one is Twilio-signed. */
const PUBLIC_ENDPOINTS = ['/create-factor', '/verify-factor', '/create-challenge', '/list-factors', '/delete-factor', '/approval-keys'];
const PROTECTED_ENDPOINTS = ['/studio/check-code'];
/** The private Function that holds every handler (scripts/build.ts); each route's Function is a stub requiring it. */
const KIT_PATH = `/${KIT_FUNCTION}`;
/** The one computed require of the upload, in each stub. */
const KIT_REQUIRE = `Runtime.getFunctions()[${JSON.stringify(KIT_FUNCTION)}].path`;
/** Issue 11's budget for everything uploaded, Functions and assets (kB of 1000 bytes). */
const UPLOAD_BUDGET_BYTES = 400_000;

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`, `node:fs` → `fs`. */
function packageName(specifier: string): string {
  const parts = specifier.replace(/^node:/, '').split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** The route a source file under functions/ becomes, visibility marker stripped (as twilio-run does). */
function routeOfSource(file: string): string {
  return `/${relative(join(ROOT, 'functions'), file).split(sep).join('/')}`.replace(/(\.protected|\.private)?\.ts$/, '');
}

let emptyEnvDir: string;
let plan: DeployPlan;
let upload: DirectoryContent;

beforeAll(async () => {
  // An explicit empty env file, so the test never reads a developer's real .env.
  emptyEnvDir = mkdtempSync(join(tmpdir(), 'totp-upload-'));
  writeFileSync(join(emptyEnvDir, '.env'), '');
  plan = await planDeploy(['--env', join(emptyEnvDir, '.env')], ROOT);
  upload = await getListOfFunctionsAndAssets(ROOT, {
    functionsFolderNames: [plan.functionsFolder ?? 'unset'],
    assetsFolderNames: [plan.assetsFolder ?? 'unset'],
  });
});

afterAll(() => rmSync(emptyEnvDir, { recursive: true, force: true }));

describe('deploy configuration', () => {
  it('.twilioserverlessrc points twilio-run (and `twilio serverless:deploy`) at the built output on node22', () => {
    for (const environmentSuffix of ['dev', '']) {
      const config = readSpecializedConfig(ROOT, '', 'deploy', { environmentSuffix });
      expect(config).toEqual(
        expect.objectContaining({ functionsFolder: 'dist/functions', assetsFolder: 'dist/assets', runtime: 'node22' }),
      );
    }
    expect(plan).toEqual(
      expect.objectContaining({ functionsFolder: 'dist/functions', assetsFolder: 'dist/assets', runtime: 'node22' }),
    );
  });

  it('pins @twilio/runtime-handler to an exact version, as twilio-run requires', () => {
    expect(PACKAGE_JSON.dependencies['@twilio/runtime-handler']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('has a deploy script that builds first and goes through the guard', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['predeploy']).toBe('npm run build');
    expect(scripts['deploy']).toBe('tsx scripts/deploy.ts');
  });
});

describe('the upload (getListOfFunctionsAndAssets on the build output)', () => {
  it('holds exactly one Function per functions/*.ts source, and the private kit they share, each a built .js under dist/functions', () => {
    const sources = listFiles(join(ROOT, 'functions')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    expect(upload.functions.map((f) => f.path).sort()).toEqual([...sources.map(routeOfSource), KIT_PATH].sort());
    for (const fn of upload.functions) {
      expect(relative(ROOT, fn.filePath).split(sep).slice(0, 2)).toEqual(['dist', 'functions']);
      expect(fn.filePath).toMatch(/\.js$/);
    }
  });

  it('holds every endpoint of the kit, browser endpoints public and /studio/check-code protected', () => {
    const access = new Map(upload.functions.map((f) => [f.path, f.access]));
    for (const path of PUBLIC_ENDPOINTS) expect([path, access.get(path)]).toEqual([path, 'public']);
    for (const path of PROTECTED_ENDPOINTS) expect([path, access.get(path)]).toEqual([path, 'protected']);
    // Never reachable over HTTP once deployed; only the Functions require it.
    expect(access.get(KIT_PATH)).toBe('private');
  });

  it('carries lib/, jose and zod once: every route is a stub of a few hundred bytes, the kit holds the code', () => {
    for (const fn of upload.functions.filter((f) => f.path !== KIT_PATH)) {
      expect([fn.path, String(fn.content).length < 400]).toEqual([fn.path, true]);
    }
    const kit = String(upload.functions.find((f) => f.path === KIT_PATH)?.content);
    // Markers of lib/ (the kit's log prefix) and of its two bundled libraries' code (error names they define).
    for (const marker of ['[totp-functions]', 'JWTExpired', 'ZodMini']) expect([marker, kit.includes(marker)]).toEqual([marker, true]);
  });

  it(`stays within issue 11's budget: ${UPLOAD_BUDGET_BYTES / 1000} kB for every Function and asset`, () => {
    const bytes = [...upload.functions, ...upload.assets].reduce((sum, resource) => sum + Buffer.byteLength(resource.content as string | Buffer), 0);
    expect(bytes).toBeLessThanOrEqual(UPLOAD_BUDGET_BYTES);
  });

  it('uploads no source maps, TypeScript, tests, emulator or dev-only files', () => {
    const all = [...upload.functions, ...upload.assets];
    for (const resource of all) {
      const rel = relative(ROOT, resource.filePath).split(sep);
      expect(rel[0]).toBe('dist');
      expect(resource.filePath).not.toMatch(/\.(map|ts|tsx)$|tsconfig\.json$|\.test\.|\.env/);
      expect(resource.path).not.toMatch(/emulator|__dev|\/tests?\//);
    }
    for (const fn of upload.functions) {
      const code = String(fn.content);
      expect(code).not.toContain('/__emulator/');
      expect(code).not.toContain('/__dev/');
      expect(code).not.toContain('sourceMappingURL');
    }
  });

  it('uploads only assets that come from assets/ (app.ts as the bundled app.js, catalogs as JSON, the client module without its types), all public', () => {
    const sources = new Set(listFiles(join(ROOT, 'assets')).map((f) => relative(join(ROOT, 'assets'), f).split(sep).join('/')));
    expect(upload.assets.length).toBeGreaterThan(0);
    for (const asset of upload.assets) {
      const name = asset.path.slice(1);
      const built = name.startsWith('i18n/') ? name.replace(/\.json$/, '.ts') : name.replace(/\.js$/, '.ts');
      expect([asset.path, sources.has(name) || sources.has(built)]).toEqual([asset.path, true]);
      expect(asset.access).toBe('public');
    }
    expect(upload.assets.map((a) => a.path)).toEqual(
      expect.arrayContaining(['/index.html', '/app.js', '/totp-client.js', '/sign-in-step.html', '/sign-in-step.js']),
    );
    // The client module's types are for a host project's build (dist/totp-client.d.ts), not a public asset.
    expect(upload.assets.map((a) => a.path)).not.toContain('/totp-client.d.ts');
  });

  it('uploads one catalog per language as data (JSON), which the page fetches on its own origin', () => {
    const catalogs = upload.assets.filter((asset) => asset.path.startsWith('/i18n/'));
    expect(catalogs.map((asset) => asset.path).sort()).toEqual(LOCALES.map(({ tag }) => `/i18n/${tag}.json`).sort());
    for (const asset of catalogs) {
      const catalog: unknown = JSON.parse(String(asset.content));
      expect([asset.path, typeof catalog === 'object' && catalog !== null && 'page.title' in catalog]).toEqual([asset.path, true]);
    }
    // The page's CSP lets it fetch them (connect-src 'self') and nothing else loosens for them.
    const html = String(upload.assets.find((asset) => asset.path === '/index.html')?.content);
    expect(html).toContain("connect-src 'self'");
    expect(html).toContain("script-src 'self'");
    expect(html).not.toContain('unsafe-');
  });

  it('bundles carry no dev-only emulator client: production always talks to Twilio', () => {
    for (const fn of upload.functions) {
      const code = String(fn.content);
      // Markers of emulator/client/http-client.ts and scripts/emulator-link.ts; the lookup symbol itself may stay.
      expect([fn.path, code.includes('emulator serves only'), /\bRequestClient\b/.test(code)]).toEqual([fn.path, false, false]);
    }
  });

  it('the kit imports only Node built-ins and package.json dependencies; each stub only the kit, and exports its route\'s handler', () => {
    const allowed = new Set([...builtinModules, ...getDependencies(PACKAGE_JSON).map((d) => d.name)]);
    const kitFile = upload.functions.find((f) => f.path === KIT_PATH)?.filePath;
    for (const fn of upload.functions) {
      const code = String(fn.content);
      const calls = [...code.matchAll(/\brequire\(([^)]*)\)/g)].map((m) => (m[1] ?? '').trim());
      if (fn.path === KIT_PATH) {
        // Every require() of the kit names a literal module; a computed one could pull in anything at run time.
        for (const arg of calls) expect([fn.path, arg]).toEqual([fn.path, expect.stringMatching(/^"[^"]+"$|^'[^']+'$/)]);
        for (const arg of calls) expect([fn.path, arg, allowed.has(packageName(arg.slice(1, -1)))]).toEqual([fn.path, arg, true]);
      } else {
        // A stub's one require is computed, on purpose: Runtime.getFunctions() is how a Function finds a private one
        // (Twilio's documented way). It stays as safe as a literal: the name is a literal, the platform maps it only
        // to this service's own uploaded Functions, and it names the private kit checked above.
        expect([fn.path, calls.length, code.includes(`require(${KIT_REQUIRE})`)]).toEqual([fn.path, 1, true]);
      }
    }
    // Each Function loaded in a plain Node process whose Runtime is the platform's (names of this upload's Functions
    // → their files), recording what each file actually requires at load time.
    const probe = `
      const Module = require('node:module');
      const load = Module._load;
      const seen = {};
      Module._load = function (request, parent, isMain) {
        if (parent) (seen[parent.filename] = seen[parent.filename] || []).push(request);
        return load.apply(this, arguments);
      };
      const [files, functions] = JSON.parse(process.argv[1]);
      globalThis.Runtime = { getFunctions: () => functions };
      const out = {};
      for (const file of files) {
        const mod = require(file);
        out[file] = { handler: typeof mod.handler, handlers: Object.keys(mod.handlers || {}), sameAsKit: null };
      }
      const kit = require(functions[${JSON.stringify(KIT_FUNCTION)}].path);
      for (const file of files) {
        const route = Object.keys(kit.handlers).find((key) => require(file).handler === kit.handlers[key]);
        out[file].route = route === undefined ? null : '/' + route;
        out[file].requires = seen[file] || [];
      }
      process.stdout.write(JSON.stringify(out));`;
    const files = upload.functions.map((f) => f.filePath);
    // What Runtime.getFunctions() answers on Twilio: each Function's path without the slash → its file.
    const functions = Object.fromEntries(upload.functions.map((f) => [f.path.slice(1), { path: f.filePath }]));
    const loaded = JSON.parse(
      execFileSync(process.execPath, ['-e', probe, JSON.stringify([files, functions])], { cwd: ROOT, encoding: 'utf8', timeout: 60000 }),
    ) as Record<string, { handler: string; handlers: string[]; route: string | null; requires: string[] }>;
    const routes = upload.functions.filter((f) => f.path !== KIT_PATH).map((f) => f.path);
    for (const fn of upload.functions) {
      const result = loaded[fn.filePath];
      if (fn.path === KIT_PATH) {
        expect(result?.handlers.map((key) => `/${key}`).sort()).toEqual([...routes].sort());
        for (const mod of result?.requires ?? []) expect([fn.path, mod, allowed.has(packageName(mod))]).toEqual([fn.path, mod, true]);
      } else {
        // The route's own handler, not another route's.
        expect([fn.path, result?.handler, result?.route]).toEqual([fn.path, 'function', fn.path]);
        expect([fn.path, result?.requires]).toEqual([fn.path, [kitFile]]);
      }
    }
  }, 120_000);
});

describe('the uploaded variables (twilio-run deploy config, checked by scripts/deploy.ts)', () => {
  let project: string;

  /** A throwaway project: the real .twilioserverlessrc and package.json, a stand-in build, the given env files. */
  function makeProject(files: Record<string, string>): string {
    rmSync(project, { recursive: true, force: true });
    mkdirSync(join(project, 'dist', 'functions'), { recursive: true });
    mkdirSync(join(project, 'dist', 'assets'), { recursive: true });
    writeFileSync(join(project, 'dist', 'functions', 'stand-in.js'), 'exports.handler = () => {};\n');
    cpSync(join(ROOT, '.twilioserverlessrc'), join(project, '.twilioserverlessrc'));
    cpSync(join(ROOT, 'package.json'), join(project, 'package.json'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(project, name), content);
    return project;
  }

  const deployEnv = [
    '# deployed values',
    'ACCOUNT_SID=AC00000000000000000000000000000000',
    'AUTH_TOKEN=00000000000000000000000000000000',
    'VERIFY_SERVICE_SID=VA00000000000000000000000000000000',
    'IDENTITY_SECRET=identity-secret-of-at-least-32-characters',
    'RECOVERY_CODE_SECRET=recovery-code-secret-of-at-least-32-characters',
    'APPROVAL_SIGNING_SECRET=approval-secret-of-at-least-32-characters',
    'AUTH_JWT_SECRET=caller-secret-of-at-least-32-characters',
    'ALLOWED_ORIGINS=',
    '',
  ].join('\n');
  const localEnv = 'VERIFY_EMULATOR_URL=http://127.0.0.1:4010\nIDENTITY_SECRET=local-only\nLOCAL_ONLY_MARKER=1\n';

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'totp-deploy-env-'));
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('uploads .env only: credentials and empty values dropped, nothing from .env.local', async () => {
    makeProject({ '.env': deployEnv, '.env.local': localEnv });
    const result = await planDeploy(['--production'], project);
    expect(result.envPath).toBe(join(project, '.env'));
    expect(result.uploadedVariables).toEqual([
      'APPROVAL_SIGNING_SECRET',
      'AUTH_JWT_SECRET',
      'IDENTITY_SECRET',
      'RECOVERY_CODE_SECRET',
      'VERIFY_SERVICE_SID',
    ]);
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('refuses a .env that carries VERIFY_EMULATOR_URL', async () => {
    makeProject({ '.env': `${deployEnv}VERIFY_EMULATOR_URL=http://127.0.0.1:4010\n` });
    const result = await planDeploy([], project);
    expect(result.problems).toEqual([expect.stringContaining('VERIFY_EMULATOR_URL')]);
  });

  it('refuses to deploy the local stack file, even when named explicitly', async () => {
    makeProject({ '.env': deployEnv, '.env.local': localEnv });
    const result = await planDeploy(['--env', '.env.local'], project);
    expect(result.problems.slice(0, 2)).toEqual([
      expect.stringContaining('VERIFY_EMULATOR_URL'),
      expect.stringContaining('.env.local'),
    ]);
  });

  it('refuses before the upload when variables a deployed kit needs are missing', async () => {
    makeProject({ '.env': 'ACCOUNT_SID=AC00000000000000000000000000000000\n' });
    const result = await planDeploy([], project);
    expect(result.problems.join('\n')).toMatch(/VERIFY_SERVICE_SID[\s\S]*IDENTITY_SECRET[\s\S]*RECOVERY_CODE_SECRET[\s\S]*APPROVAL_SIGNING_SECRET[\s\S]*AUTH_JWT_SECRET/);
    expect(result.warnings).toEqual([]);
  });

  it('`npm run deploy` with no .env at all stops before twilio-run, naming what is missing', () => {
    makeProject({});
    const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'deploy.ts')], { cwd: project, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('refusing to deploy: VERIFY_SERVICE_SID is not set');
    expect(run.stdout).not.toContain('Uploading variables');
  });

  it('finding 1: refuses AUTH_JWKS_URL without AUTH_AUDIENCE and AUTH_ISSUER, before the upload', async () => {
    const jwksEnv = deployEnv.replace(/^AUTH_JWT_SECRET=.*$/m, 'AUTH_JWKS_URL=https://id.example.com/.well-known/jwks.json');
    makeProject({ '.env': jwksEnv });
    expect((await planDeploy([], project)).problems).toEqual([expect.stringContaining('AUTH_JWKS_URL is set without AUTH_AUDIENCE and AUTH_ISSUER')]);
    makeProject({ '.env': `${jwksEnv}AUTH_AUDIENCE=bank-web\n` });
    expect((await planDeploy([], project)).problems).toEqual([expect.stringContaining('AUTH_JWKS_URL is set without AUTH_ISSUER')]);
    makeProject({ '.env': `${jwksEnv}AUTH_AUDIENCE=bank-web\nAUTH_ISSUER=https://id.example.com/\n` });
    expect(await planDeploy([], project)).toEqual(expect.objectContaining({ problems: [], warnings: [] }));
  });

  it('refuses a configuration the Functions would refuse, naming the variable and never its value', async () => {
    makeProject({ '.env': deployEnv.replace(/^IDENTITY_SECRET=.*$/m, 'IDENTITY_SECRET=short-value') });
    const result = await planDeploy([], project);
    expect(result.problems).toEqual([expect.stringContaining('IDENTITY_SECRET is shorter than 32 characters')]);
    expect(result.problems.join('\n')).not.toContain('short-value');
    makeProject({ '.env': `${deployEnv}APPROVAL_SIGNING_KEY={"kty":"EC"}\n` });
    expect((await planDeploy([], project)).problems).toEqual([expect.stringContaining('APPROVAL_SIGNING_SECRET and APPROVAL_SIGNING_KEY are both set')]);
  });

  it('`npm run deploy` stops with exit code 1 before twilio-run when the guard refuses', () => {
    makeProject({ '.env': `${deployEnv}VERIFY_EMULATOR_URL=http://127.0.0.1:4010\n` });
    const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'deploy.ts'), '--production'], {
      cwd: project,
      encoding: 'utf8',
      timeout: 60000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('refusing to deploy: VERIFY_EMULATOR_URL');
    expect(run.stdout).not.toContain('Uploading variables');
  }, 120_000);
});
