// The command examples of README.md and docs/*.md, run as written against a started local stack, so a wrong
// example fails here instead of for a newcomer. How blocks are marked, and what is substituted: tests/docs/examples.ts.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack';
import { examplesIn, findExamples, forThisRun, PRELUDE, serverCommands, type Example } from './examples';

const ROOT = join(__dirname, '..', '..');
const DOCUMENTS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const EXAMPLES = DOCUMENTS.flatMap((file) => examplesIn(join(ROOT, file), file));
const SCRIPTS = EXAMPLES.filter((example) => example.kind === 'script');
const SERVERS = EXAMPLES.flatMap((example) => (example.kind === 'server' ? serverCommands(example.code).map((command) => ({ ...example, code: command })) : []));
/** The person's own files and state, which a scratch copy must not share. */
const NOT_LINKED = /^(\.git|\.env(?!\.example$).*|\.emulator-data|\.twiliodeployinfo|test-artifacts|coverage)$/;

let sandbox: string;
let stack: LocalStack;
/** Process groups started here; whatever a failed example leaves behind is killed after it. */
const groups = new Set<number>();

/**
 * A scratch copy of the project made of symlinks: `npm run` works in it as in a clone, while the files an example
 * writes (.env.emulator, .emulator-data/) land in the copy, not in the person's clone.
 */
function makeSandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'totp-docs-'));
  for (const name of readdirSync(ROOT)) if (!NOT_LINKED.test(name)) symlinkSync(join(ROOT, name), join(dir, name));
  mkdirSync(join(dir, 'stack-data'));
  return dir;
}

/** The shell of a person with `npm start` running in this copy; none of the machine's own stack settings. */
function shellEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(PORT|HOST|ENV_FILE|ACCOUNT_SID|AUTH_TOKEN|TWILIO_.*|VERIFY_.*|AUTH_.*|ALLOWED_ORIGINS)$/.test(name)) delete env[name];
  }
  // `npm run token` reads the stack's env file; a server example's default port must not collide with anything.
  return { ...env, ENV_FILE: join(sandbox, '.env.local'), EMULATOR_PORT: '0' };
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs `code` in bash in the scratch copy; `untilReady` stops a server once its output says it listens. */
async function runInShell(script: string, untilReady?: RegExp): Promise<Finished & { wasReady: boolean }> {
  const child = spawn('bash', ['-c', PRELUDE + script], { cwd: sandbox, env: shellEnvironment(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid !== undefined) groups.add(child.pid);
  let output = '';
  let wasReady = false;
  const onOutput = (chunk: Buffer): void => {
    output += chunk.toString();
    if (untilReady !== undefined && !wasReady && untilReady.test(output)) {
      wasReady = true;
      // The whole group, as Ctrl-C does: npm, its shell and the server.
      process.kill(-(child.pid ?? 0), 'SIGTERM');
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const [exitCode, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { code: exitCode, signal, output, wasReady };
}

function title(example: Example): string {
  const first = example.code.split('\n').find((line) => line.trim() !== '' && !line.trim().startsWith('#')) ?? '';
  return `${example.where}: ${first.trim().slice(0, 90)}`;
}

beforeAll(async () => {
  sandbox = makeSandbox();
  stack = await startLocalStack({ port: 0, envFile: join(sandbox, '.env.local'), dataDir: join(sandbox, 'stack-data') });
});
afterEach(() => {
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
});
afterAll(async () => {
  await stack?.close();
  rmSync(sandbox, { recursive: true, force: true });
});

test('the documents mark the examples a newcomer runs first: curl calls, the token and sign commands, the setup rehearsal, the emulator flags', () => {
  const scripts = SCRIPTS.map((example) => example.code).join('\n');
  expect(scripts).toMatch(/curl .*localhost:3000\/create-factor/);
  expect(scripts).toMatch(/curl .*localhost:3000\/list-factors/);
  expect(scripts).toContain('npm run --silent token -- ');
  // The protected Studio endpoint, signed by hand as the gateway requires.
  expect(scripts).toMatch(/npm run --silent sign -- http:\/\/localhost:3000\/studio\/check-code /);
  expect(scripts).toMatch(/curl .*localhost:3000\/studio\/check-code -H "X-Twilio-Signature: \$SIG"/);
  expect(scripts).toMatch(/npm run setup -- --env \.env\.emulator/);
  const servers = SERVERS.map((example) => example.code);
  expect(servers).toEqual(expect.arrayContaining([expect.stringMatching(/npm run emulator -- --port \d+ --data-dir /), expect.stringMatching(/--in-memory --allow-code-reuse/)]));
  for (const file of ['README.md', 'docs/deploy.md', 'docs/emulator.md', 'docs/functions.md']) {
    expect(EXAMPLES.some((example) => example.where.startsWith(`${file}:`))).toBe(true);
  }
});

test.each(SCRIPTS.map((example) => [title(example), example] as const))('%s', async (_title, example) => {
  const { code, output } = await runInShell(forThisRun(example.code, Number(new URL(stack.url).port)));
  if (code !== 0) throw new Error(`${example.where} exited ${String(code)}:\n${output}`);
}, 60_000);

test.each(SERVERS.map((example) => [title(example), example] as const))('%s', async (_title, example) => {
  // exec: the shell becomes the command, so the SIGTERM reaches npm as it would from a terminal, not a bare shell.
  const { code, signal, output, wasReady } = await runInShell(`exec ${forThisRun(example.code, 0)}`, /listening on http:\/\/\S+/);
  // A server is stopped once it says it listens (npm itself dies of the SIGTERM that its server handles); a command
  // such as --help just ends. Either way, without an error.
  const clean = wasReady ? code === 0 || signal === 'SIGTERM' : code === 0;
  if (!clean || /\n\s+at \S|\bError:/.test(output)) throw new Error(`${example.where} ended with ${String(code ?? signal)}:\n${output}`);
}, 60_000);

describe('the runner fails a broken example', () => {
  const broken = (code: string): Example => findExamples(`\`\`\`sh test\n${code}\n\`\`\``, 'broken.md')[0] as Example;

  test('an endpoint that answers an error', async () => {
    const example = broken(`curl -s localhost:3000/list-factor -H "Authorization: Bearer $(npm run --silent token -- alice)" -d '{}'`);
    expect((await runInShell(forThisRun(example.code, Number(new URL(stack.url).port)))).code).not.toBe(0);
  }, 60_000);

  test('a flag the script does not take (the old --env-file rehearsal)', async () => {
    const example = broken(`export $(grep -E '^(EMULATOR_URL|ACCOUNT_SID|AUTH_TOKEN)=' .env.local)\nnpm run setup -- --env-file .env.emulator`);
    expect((await runInShell(example.code)).code).not.toBe(0);
  }, 60_000);

  test('a server that refuses its options', async () => {
    const result = await runInShell(forThisRun('npm run emulator -- --prot 4010', 0), /listening on/);
    expect(result.wasReady).toBe(false);
    expect(result.code).not.toBe(0);
  }, 60_000);
});
