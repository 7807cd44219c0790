// `npm run setup` end to end against the emulator: creates, updates, stays idempotent, keeps secrets, warns, refuses.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseConfig } from '../../lib/config';
import { readEnvFile } from '../../scripts/env-file';
import { SetupError, setupVerifyService, type SetupOptions } from '../../scripts/setup';
import { authenticatorWarnings } from '../../scripts/totp-settings';
import { startEmulator, type TestEmulator } from '../helpers/emulator';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

let emulator: TestEmulator;
let dir: string;
let envFile: string;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  await emulator.reset();
  dir = mkdtempSync(join(tmpdir(), 'totp-setup-'));
  envFile = join(dir, '.env');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A user's .env before setup: credentials, a comment and an unrelated variable that must survive. */
function writeUserEnv(extra = ''): string {
  const text = [
    '# Twilio credentials (Console → Account info)',
    `ACCOUNT_SID=${emulator.accountSid}`,
    `AUTH_TOKEN=${emulator.authToken}`,
    '',
    '# caller tokens',
    'AUTH_JWT_SECRET=a-caller-token-secret-of-at-least-32-chars',
    extra,
  ].join('\n');
  writeFileSync(envFile, text);
  return text;
}

/** Setup pointed at the emulator the same way as the local stack (EMULATOR_URL), never at the shell's env. */
function setup(flags: SetupOptions['flags'] = {}, environment: Record<string, string> = {}): ReturnType<typeof setupVerifyService> {
  return setupVerifyService({ envFile, flags, environment: { EMULATOR_URL: emulator.url, ...environment } });
}

async function listServices(): Promise<Array<{ sid: string; friendlyName: string; totp: unknown }>> {
  return emulator.client.verify.v2.services.list();
}

describe('npm run setup', () => {
  it('creates the service with its TOTP settings and writes VERIFY_SERVICE_SID, a new secret and an ES256 key into .env', async () => {
    const before = writeUserEnv();
    const result = await setup({ issuer: 'Acme Bank' });

    expect(result.action).toBe('created');
    expect(result.written).toEqual(['VERIFY_SERVICE_SID', 'SYNC_SERVICE_SID', 'IDENTITY_SECRET', 'RECOVERY_CODE_SECRET', 'APPROVAL_SIGNING_KEY']);
    const services = await listServices();
    expect(services).toHaveLength(1);
    expect(services[0]).toEqual(
      expect.objectContaining({
        sid: result.serviceSid,
        friendlyName: 'TOTP Functions',
        totp: { issuer: 'Acme Bank', time_step: 30, code_length: 6, skew: 1 },
      }),
    );
    expect(result.settings).toEqual({ serviceName: 'TOTP Functions', issuer: 'Acme Bank', timeStep: 30, codeLength: 6, skew: 1 });
    expect(result.warnings).toEqual([]);

    const after = readFileSync(envFile, 'utf8');
    expect(after.startsWith(before)).toBe(true); // comments and other lines untouched, new lines appended
    const { values } = readEnvFile(envFile);
    expect(values['VERIFY_SERVICE_SID']).toBe(result.serviceSid);
    expect(values['IDENTITY_SECRET']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The recovery codes' pepper has a key of its own (issue 24.8), never the identity key.
    expect(values['RECOVERY_CODE_SECRET']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(values['RECOVERY_CODE_SECRET']).not.toBe(values['IDENTITY_SECRET']);
    // Finding 7: an ES256 key pair by default, which the Functions accept as it is written.
    expect(JSON.parse(values['APPROVAL_SIGNING_KEY'] ?? '')).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), d: expect.any(String) });
    expect(parseConfig({ ...values, DOMAIN_NAME: 'totp-functions-1234-dev.twil.io' }).approval.key.alg).toBe('ES256');
    expect(values['APPROVAL_SIGNING_SECRET']).toBeUndefined();
  });

  it('is idempotent: a second run changes neither the service nor a byte of .env', async () => {
    writeUserEnv();
    const first = await setup({ issuer: 'Acme Bank' });
    const fileAfterFirst = readFileSync(envFile, 'utf8');
    const second = await setup({ issuer: 'Acme Bank' });
    const third = await setup();

    for (const result of [second, third]) {
      expect(result).toEqual(expect.objectContaining({ serviceSid: first.serviceSid, action: 'unchanged', written: [] }));
      expect(result.settings).toEqual(first.settings);
    }
    expect(readFileSync(envFile, 'utf8')).toBe(fileAfterFirst);
    expect(await listServices()).toHaveLength(1);
  });

  it('updates only the settings asked for when VERIFY_SERVICE_SID is set', async () => {
    writeUserEnv();
    const created = await setup({ issuer: 'Acme Bank', skew: '0' });
    const fileAfterCreate = readFileSync(envFile, 'utf8');

    const updated = await setup({ timeStep: '20' });
    expect(updated.action).toBe('updated');
    expect(updated.serviceSid).toBe(created.serviceSid);
    expect(updated.settings).toEqual({ serviceName: 'TOTP Functions', issuer: 'Acme Bank', timeStep: 20, codeLength: 6, skew: 0 });
    const service = await emulator.client.verify.v2.services(created.serviceSid).fetch();
    expect(service.totp).toEqual({ issuer: 'Acme Bank', time_step: 20, code_length: 6, skew: 0 });
    expect(readFileSync(envFile, 'utf8')).toBe(fileAfterCreate);
    expect(await listServices()).toHaveLength(1);
  });

  it('adopts an existing service named in VERIFY_SERVICE_SID instead of creating another', async () => {
    const existing = await emulator.createService({ friendlyName: 'Existing' });
    writeUserEnv(`VERIFY_SERVICE_SID=${existing}\n`);
    const result = await setup({ codeLength: '8' }, {});

    expect(result).toEqual(expect.objectContaining({ serviceSid: existing, action: 'updated' }));
    // A service created without TOTP settings shows nulls; setup reports Verify's defaults for them.
    expect(result.settings).toEqual({ serviceName: 'Existing', issuer: 'Existing', timeStep: 30, codeLength: 8, skew: 1 });
    expect(result.written).toEqual(['SYNC_SERVICE_SID', 'IDENTITY_SECRET', 'RECOVERY_CODE_SECRET', 'APPROVAL_SIGNING_KEY']);
    expect(await listServices()).toHaveLength(1);
  });

  it('never overwrites an existing secret, fills an empty one, and flags one that is too short', async () => {
    const identity = 'an-identity-secret-that-is-long-enough-to-use';
    writeUserEnv(`IDENTITY_SECRET=${identity}\nAPPROVAL_SIGNING_KEY=\n`);
    const first = await setup();
    expect(first.written).toEqual(['VERIFY_SERVICE_SID', 'SYNC_SERVICE_SID', 'RECOVERY_CODE_SECRET', 'APPROVAL_SIGNING_KEY']);
    const values = readEnvFile(envFile).values;
    expect(values['IDENTITY_SECRET']).toBe(identity);
    expect(values['APPROVAL_SIGNING_KEY']).toMatch(/^\{"kty":"EC"/);
    // The empty line was replaced in place, not duplicated.
    expect(readFileSync(envFile, 'utf8').match(/^APPROVAL_SIGNING_KEY=/gm)).toHaveLength(1);

    writeUserEnv(`VERIFY_SERVICE_SID=${first.serviceSid}\nSYNC_SERVICE_SID=${first.syncServiceSid}\nIDENTITY_SECRET=short\nRECOVERY_CODE_SECRET=${values['RECOVERY_CODE_SECRET']}\nAPPROVAL_SIGNING_KEY=${values['APPROVAL_SIGNING_KEY']}\n`);
    const before = readFileSync(envFile, 'utf8');
    const second = await setup();
    expect(second.written).toEqual([]);
    expect(second.warnings).toEqual([expect.stringContaining('IDENTITY_SECRET is shorter than 32 characters')]);
    expect(readFileSync(envFile, 'utf8')).toBe(before);
  });

  it('creates .env owner-only when it did not exist, with credentials from the environment', async () => {
    const result = await setup({}, { ACCOUNT_SID: emulator.accountSid, AUTH_TOKEN: emulator.authToken });
    expect(result.action).toBe('created');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(Object.keys(readEnvFile(envFile).values)).toEqual(['VERIFY_SERVICE_SID', 'SYNC_SERVICE_SID', 'IDENTITY_SECRET', 'RECOVERY_CODE_SECRET', 'APPROVAL_SIGNING_KEY']);
    expect(result.warnings).toEqual([expect.stringContaining('AUTH_JWT_SECRET')]);
  });

  it('takes settings from flags over environment over .env', async () => {
    writeUserEnv('TOTP_CODE_LENGTH=7\nTOTP_SKEW=0\nTOTP_ISSUER=From File\n');
    const result = await setup({ issuer: 'From Flag' }, { TOTP_CODE_LENGTH: '8' });
    expect(result.settings).toEqual({ serviceName: 'TOTP Functions', issuer: 'From Flag', timeStep: 30, codeLength: 8, skew: 0 });
  });

  it('warns, with the reason, about settings that break common authenticator apps', async () => {
    writeUserEnv();
    const result = await setup({ codeLength: '4', timeStep: '20' });
    expect(result.action).toBe('created');
    expect(result.warnings).toEqual([
      expect.stringMatching(/code length 4: Microsoft Authenticator shows only 6-digit codes/),
      expect.stringMatching(/time step 20 s: Google Authenticator on Android and Authy always use 30 s/),
      expect.stringMatching(/code length 4: Twilio allows only 10 challenges per factor per 24 h/),
    ]);
    expect(authenticatorWarnings({ algorithm: 'SHA256', codeLength: 6, timeStep: 30 })).toEqual([
      expect.stringMatching(/algorithm SHA256: Microsoft Authenticator and Authy always compute SHA1/),
    ]);
    expect(authenticatorWarnings({ algorithm: 'sha1', codeLength: 6, timeStep: 30 })).toEqual([]);
    expect(authenticatorWarnings({ algorithm: 'SHA1', codeLength: 5, timeStep: 30 })).toHaveLength(1);
  });

  it('refuses bad settings, naming each, before creating anything or touching .env', async () => {
    const before = writeUserEnv();
    const attempt = setup({ timeStep: '10', codeLength: '9', skew: 'one', issuer: 'Acme:Bank', serviceName: 'x'.repeat(31) });
    await expect(attempt).rejects.toBeInstanceOf(SetupError);
    const problems = await attempt.catch((err: SetupError) => err.problems);
    expect(problems).toEqual([
      expect.stringContaining('VERIFY_SERVICE_NAME (--service-name) must be 1–30'),
      expect.stringContaining('TOTP_ISSUER (--issuer) must be 1–64 characters without ":"'),
      expect.stringContaining('TOTP_TIME_STEP (--time-step) must be a whole number from 20 to 30'),
      expect.stringContaining('TOTP_CODE_LENGTH (--code-length) must be a whole number from 3 to 8'),
      expect.stringContaining('TOTP_SKEW (--skew) must be a whole number from 0 to 1'),
    ]);
    expect(await listServices()).toHaveLength(0);
    expect(readFileSync(envFile, 'utf8')).toBe(before);
  });

  it('ASVS 6.5.5: a time step over 30 s or a skew over 1, which Verify would take, is refused with the reason', async () => {
    const before = writeUserEnv();
    const problems = await setup({ timeStep: '31', skew: '2' }).catch((err: SetupError) => err.problems);
    expect(problems).toEqual([
      'TOTP_TIME_STEP (--time-step) must be a whole number from 20 to 30, not "31": a time step of 31 s is longer than the 30 s OWASP ASVS 6.5.5 allows a TOTP code to live',
      'TOTP_SKEW (--skew) must be a whole number from 0 to 1, not "2": a skew of 2 steps accepts codes more than the 1 step either side RFC 6238 §5.2 recommends',
    ]);
    expect(await setup({ timeStep: '30', skew: '1' })).toMatchObject({ action: 'created', settings: { timeStep: 30, skew: 1 } });
    expect(before).not.toBe(readFileSync(envFile, 'utf8'));
  });

  it('an existing service set beyond the standards elsewhere (the Console) is refused with the reason and the fix, .env untouched', async () => {
    const service = await emulator.client.verify.v2.services.create({ friendlyName: 'Console Set', 'totp.timeStep': 60, 'totp.skew': 2 });
    const before = writeUserEnv(`VERIFY_SERVICE_SID=${service.sid}\n`);
    const problems = await setup().catch((err: SetupError) => err.problems);
    expect(problems).toEqual([
      `the Verify service ${service.sid}: a time step of 60 s is longer than the 30 s OWASP ASVS 6.5.5 allows a TOTP code to live; the Functions refuse to enroll with it (run again with --time-step 30 --skew 1)`,
      `the Verify service ${service.sid}: a skew of 2 steps accepts codes more than the 1 step either side RFC 6238 §5.2 recommends; the Functions refuse to enroll with it (run again with --time-step 30 --skew 1)`,
    ]);
    expect(readFileSync(envFile, 'utf8')).toBe(before);
    expect(await setup({ timeStep: '30', skew: '1' })).toMatchObject({ serviceSid: service.sid, action: 'updated', settings: { timeStep: 30, skew: 1 } });
  });

  it('refuses a VERIFY_SERVICE_SID that is malformed or not in the account, and missing credentials', async () => {
    let before = writeUserEnv('VERIFY_SERVICE_SID=VA123\n');
    await expect(setup()).rejects.toThrow('is not a Verify service SID');
    expect(readFileSync(envFile, 'utf8')).toBe(before);

    before = writeUserEnv(`VERIFY_SERVICE_SID=VA${'0'.repeat(32)}\n`);
    await expect(setup()).rejects.toThrow(`VERIFY_SERVICE_SID VA${'0'.repeat(32)} does not exist in this account`);
    expect(readFileSync(envFile, 'utf8')).toBe(before);
    expect(await listServices()).toHaveLength(0);

    writeFileSync(envFile, '# nothing yet\n');
    await expect(setup()).rejects.toThrow('ACCOUNT_SID and AUTH_TOKEN must be set');
  });

  it('creates a dedicated Sync service once, keeps `default` as it is, and refuses a Sync SID it cannot use', async () => {
    writeUserEnv();
    const first = await setup();
    expect(first.syncAction).toBe('created');
    const service = await emulator.client.sync.v1.services(first.syncServiceSid).fetch();
    expect(service.friendlyName).toBe('TOTP Functions');
    expect(service.aclEnabled).toBe(true);
    expect(readEnvFile(envFile).values['SYNC_SERVICE_SID']).toBe(first.syncServiceSid);
    const again = await setup();
    expect([again.syncServiceSid, again.syncAction, again.written]).toEqual([first.syncServiceSid, 'unchanged', []]);
    // The account's default service is there too (every account has one); setup made one of its own, once.
    expect((await emulator.client.sync.v1.services.list()).filter((candidate) => candidate.uniqueName !== 'default')).toHaveLength(1);

    writeUserEnv('SYNC_SERVICE_SID=default\n');
    const keptDefault = await setup();
    expect([keptDefault.syncServiceSid, keptDefault.syncAction]).toEqual(['default', 'unchanged']);
    expect(keptDefault.written).not.toContain('SYNC_SERVICE_SID');

    let before = writeUserEnv('SYNC_SERVICE_SID=IS123\n');
    await expect(setup()).rejects.toThrow('is not a Sync service SID');
    expect(readFileSync(envFile, 'utf8')).toBe(before);
    before = writeUserEnv(`SYNC_SERVICE_SID=IS${'0'.repeat(32)}\n`);
    await expect(setup()).rejects.toThrow(`SYNC_SERVICE_SID IS${'0'.repeat(32)} does not exist in this account`);
    expect(readFileSync(envFile, 'utf8')).toBe(before);
    // Checked before anything is created: no Verify service was left behind by the refused runs.
    expect(await listServices()).toHaveLength(2);
  });

  it('sends credentials to an emulator on this machine only', async () => {
    const before = writeUserEnv();
    await expect(setup({}, { EMULATOR_URL: 'https://emulator.example.com' })).rejects.toThrow(
      'EMULATOR_URL must be an http(s) address on this machine',
    );
    expect(readFileSync(envFile, 'utf8')).toBe(before);
  });

  it('VERIFY_EMULATOR_URL, the former name, still points setup at the emulator, with one deprecation line', async () => {
    writeUserEnv();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const result = await setupVerifyService({ envFile, environment: { VERIFY_EMULATOR_URL: emulator.url } });
      expect(result.action).toBe('created');
      expect((await listServices()).map((service) => service.sid)).toEqual([result.serviceSid]);
      expect(warn.mock.calls).toEqual([['warning: VERIFY_EMULATOR_URL is deprecated: it is now EMULATOR_URL (the old name still works for now)']]);
    } finally {
      warn.mockRestore();
    }
  });

  it('finding 7: HS256 on request (an APPROVAL_SIGNING_SECRET), and an existing secret or key is kept as the signing mode', async () => {
    writeUserEnv();
    expect((await setupVerifyService({ envFile, environment: { EMULATOR_URL: emulator.url }, approvalSigning: 'HS256' })).written).toEqual([
      'VERIFY_SERVICE_SID',
      'SYNC_SERVICE_SID',
      'IDENTITY_SECRET',
      'RECOVERY_CODE_SECRET',
      'APPROVAL_SIGNING_SECRET',
    ]);
    expect(readEnvFile(envFile).values['APPROVAL_SIGNING_SECRET']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // A later run (default ES256) keeps the HS256 secret and adds no key: one signing mode.
    const again = await setup();
    expect(again.written).toEqual([]);
    expect(readEnvFile(envFile).values['APPROVAL_SIGNING_KEY']).toBeUndefined();

    writeUserEnv(`APPROVAL_SIGNING_SECRET=${'s'.repeat(40)}\nAPPROVAL_SIGNING_KEY={"kty":"EC"}\n`);
    expect((await setup()).warnings).toEqual([expect.stringContaining('APPROVAL_SIGNING_SECRET and APPROVAL_SIGNING_KEY are both set')]);
  });

  it('finding 1: warns when AUTH_JWKS_URL comes without AUTH_AUDIENCE and AUTH_ISSUER, which the Functions require', async () => {
    const text = [`ACCOUNT_SID=${emulator.accountSid}`, `AUTH_TOKEN=${emulator.authToken}`, 'AUTH_JWKS_URL=https://id.example.com/jwks.json', ''].join('\n');
    writeFileSync(envFile, text);
    expect((await setup()).warnings).toEqual([expect.stringContaining('AUTH_JWKS_URL needs AUTH_AUDIENCE and AUTH_ISSUER too')]);
    writeFileSync(envFile, `${readFileSync(envFile, 'utf8')}AUTH_AUDIENCE=bank-web\n`);
    expect((await setup()).warnings).toEqual([expect.stringContaining('AUTH_JWKS_URL needs AUTH_ISSUER too')]);
    writeFileSync(envFile, `${readFileSync(envFile, 'utf8')}AUTH_ISSUER=https://id.example.com/\n`);
    expect((await setup()).warnings).toEqual([]);
  });

  it('runs as `npm run setup -- …` and exits 1 with the reason on bad input', async () => {
    writeUserEnv();
    const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
    const env = { PATH: process.env['PATH'] ?? '', EMULATOR_URL: emulator.url };
    const ok = await run(tsx, [join(ROOT, 'scripts', 'setup.ts'), '--env', envFile, '--issuer', 'Acme'], {
      cwd: dir,
      env,
      timeout: 60000,
    });
    expect(ok.stdout).toMatch(/Verify service VA[0-9a-f]{32} created \("TOTP Functions"\) on http:\/\/127\.0\.0\.1:\d+/);
    expect(ok.stdout).toContain('TOTP: issuer "Acme", 6 digits, 30 s time step, skew 1');
    expect(ok.stdout).toMatch(/Sync service IS[0-9a-f]{32} created/);
    expect(ok.stdout).toContain('wrote VERIFY_SERVICE_SID, SYNC_SERVICE_SID, IDENTITY_SECRET, RECOVERY_CODE_SECRET, APPROVAL_SIGNING_KEY');
    // Output names secrets, never shows them.
    expect(ok.stdout).not.toContain(readEnvFile(envFile).values['IDENTITY_SECRET']);
    expect(ok.stdout).not.toContain((JSON.parse(readEnvFile(envFile).values['APPROVAL_SIGNING_KEY'] ?? '{}') as { d: string }).d);

    const bad = run(tsx, [join(ROOT, 'scripts', 'setup.ts'), '--env', envFile, '--skew', '3'], { cwd: dir, env, timeout: 60000 });
    await expect(bad).rejects.toEqual(
      expect.objectContaining({ code: 1, stderr: expect.stringContaining('setup: TOTP_SKEW (--skew) must be a whole number from 0 to 1') }),
    );
  }, 120_000);
});
