// docs/integrate.md's Node `checkApproval` (the ```js verify-approval block), run as written in its own Node process
// against the local stack, with ES256 (the public keys at /approval-keys) and with HS256 (the shared secret): an
// approval for the right user and nonce passes once, as `otp` or `recovery_code`; a replay, another user, another
// nonce, another kit's token, an expired one and a tampered one are refused.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { alignedNow, body, startFunctionsHarness, totp, type FunctionsHarness } from '../helpers/functions';
import { fencedBlocks } from './examples';

const ROOT = join(__dirname, '..', '..');
const DOC = 'docs/integrate.md';

/** The doc's Node snippet: exactly one ```js verify-approval block. */
function nodeSnippet(): string {
  const blocks = fencedBlocks(readFileSync(join(ROOT, DOC), 'utf8'), DOC).filter((block) => block.words[0] === 'js' && block.words.includes('verify-approval'));
  expect(blocks).toHaveLength(1);
  return blocks[0]?.code ?? '';
}

interface Case {
  approval: string;
  pending: { userId: string; nonce: string };
  /** checkApproval's third argument, e.g. `{allowTrustedDevice: false}` for a sensitive action. */
  options?: { allowTrustedDevice?: boolean; maxTrustedAgeSeconds?: number };
}
type Outcome = { ok: { userId: string; method: string; deviceTrustedAt?: number } } | { error: string };

let dir: string;

beforeAll(() => {
  // A backend project of its own: the snippet as approval.mjs, jose from this repository's node_modules.
  dir = mkdtempSync(join(tmpdir(), 'totp-backend-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'approval.mjs'), nodeSnippet());
  // Runs the cases in order in one process, as one backend would see them (the used-approval memory included).
  writeFileSync(
    join(dir, 'run.mjs'),
    `import { checkApproval } from './approval.mjs';
const out = [];
for (const { approval, pending, options } of JSON.parse(process.argv[2])) {
  try { out.push({ ok: await checkApproval(approval, pending, options) }); } catch (error) { out.push({ error: error.code ?? error.message }); }
}
process.stdout.write(JSON.stringify(out));`,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runSnippet(env: Record<string, string>, cases: Case[]): Promise<Outcome[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'run.mjs'), JSON.stringify(cases)], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Outcome[];
}

/** Enrolls `user` and passes a code check with `nonce`: the approval the page would hand the backend. */
async function approvalFor(harness: FunctionsHarness, user: string, nonce: string, atSeconds = alignedNow()): Promise<string> {
  await harness.setClock(atSeconds);
  const token = await harness.token(user);
  const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
  expect(body(await harness.post('/verify-factor', { factorSid, code: totp(secret, atSeconds) }, { token })).status).toBe('verified');
  await harness.setClock(atSeconds + 30);
  const answer = body(await harness.post('/create-challenge', { code: totp(secret, atSeconds + 30), nonce }, { token }));
  expect(answer.status).toBe('approved');
  return String(answer.approval);
}

/** The same token with one character of its payload changed. */
function tampered(jwt: string): string {
  const [header = '', payload = '', signature = ''] = jwt.split('.');
  const middle = Math.floor(payload.length / 2);
  return [header, payload.slice(0, middle) + (payload[middle] === 'A' ? 'B' : 'A') + payload.slice(middle + 1), signature].join('.');
}

describe.each([
  ['ES256, verified with the public keys at /approval-keys', 'es256'],
  ['HS256, verified with the shared secret', 'hs256'],
] as const)('the Node snippet with %s', (_title, mode) => {
  let harness: FunctionsHarness;
  let snippetEnv: Record<string, string>;
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

  beforeAll(async () => {
    const signingKey = JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));
    harness = await startFunctionsHarness({
      envOverrides: mode === 'es256' ? { APPROVAL_SIGNING_SECRET: '', APPROVAL_SIGNING_KEY: signingKey, APPROVAL_AUDIENCE: 'bank-web' } : {},
    });
    snippetEnv = {
      // The approvals' issuer: the deployment's own address (the local stack's, here).
      TOTP_KIT_URL: harness.url,
      ...(mode === 'es256' ? { APPROVAL_AUDIENCE: 'bank-web' } : { APPROVAL_SIGNING_SECRET: harness.env.APPROVAL_SIGNING_SECRET ?? '' }),
    };
  });
  afterAll(async () => {
    await harness.close();
  });

  test('an approval for this user and nonce passes once, as `otp`; every other one is refused', async () => {
    const now = alignedNow();
    const approval = await approvalFor(harness, `${mode}-ada`, 'nonce-ada-1', now);
    const other = await approvalFor(harness, `${mode}-bob`, 'nonce-bob-1', now + 60);
    // An approval signed the same way by someone else: another key, or another secret.
    const forged = await new SignJWT({ amr: ['otp'], nonce: 'nonce-ada-2' })
      .setProtectedHeader(mode === 'es256' ? { alg: 'ES256', kid: 'forged' } : { alg: 'HS256' })
      .setSubject(`${mode}-ada`)
      .setIssuer(harness.url)
      .setAudience('bank-web')
      .setJti('CH-forged')
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(mode === 'es256' ? otherKey : new TextEncoder().encode('another-secret-of-at-least-32-characters'));
    // The kit's clock an hour back: a genuine approval, long expired.
    const expired = await approvalFor(harness, `${mode}-cy`, 'nonce-cy-1', now - 3600);
    const ada = { userId: `${mode}-ada`, nonce: 'nonce-ada-1' };
    const outcomes = await runSnippet(snippetEnv, [
      { approval, pending: ada },
      { approval, pending: ada },
      { approval: other, pending: { userId: `${mode}-ada`, nonce: 'nonce-bob-1' } },
      { approval: other, pending: { userId: `${mode}-bob`, nonce: 'nonce-other' } },
      { approval: forged, pending: { userId: `${mode}-ada`, nonce: 'nonce-ada-2' } },
      { approval: expired, pending: { userId: `${mode}-cy`, nonce: 'nonce-cy-1' } },
      { approval: tampered(other), pending: { userId: `${mode}-bob`, nonce: 'nonce-bob-1' } },
      { approval: other, pending: { userId: `${mode}-bob`, nonce: 'nonce-bob-1' } },
    ]);
    expect(outcomes).toEqual([
      { ok: { userId: `${mode}-ada`, method: 'otp' } },
      { error: 'this approval was used already' },
      { error: 'ERR_JWT_CLAIM_VALIDATION_FAILED' }, // sub: another user's approval
      { error: 'not an approval for this sign-in' }, // another sign-in's nonce
      { error: mode === 'es256' ? 'ERR_JWKS_NO_MATCHING_KEY' : 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
      { error: 'ERR_JWT_EXPIRED' },
      { error: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
      // Refusals used nothing up: the right sign-in still passes once.
      { ok: { userId: `${mode}-bob`, method: 'otp' } },
    ]);
  }, 120_000);

  test("a recovery code's approval passes as `recovery_code`, once", async () => {
    const now = alignedNow();
    await harness.setClock(now);
    const token = await harness.token(`${mode}-eli`);
    const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
    const { recoveryCodes } = body(await harness.post('/verify-factor', { factorSid, code: totp(secret, now) }, { token })) as { recoveryCodes: string[] };
    const answer = body(await harness.post('/use-recovery-code', { code: recoveryCodes[0], nonce: 'nonce-eli-1' }, { token }));
    const pending = { userId: `${mode}-eli`, nonce: 'nonce-eli-1' };
    const approval = String(answer.approval);
    expect(await runSnippet(snippetEnv, [{ approval, pending }, { approval, pending }])).toEqual([
      { ok: { userId: `${mode}-eli`, method: 'recovery_code' } },
      { error: 'this approval was used already' },
    ]);
  }, 60_000);

  test("a trusted device's approval passes as `trusted_device` with when it was trusted; a sensitive action refuses it, or one trusted too long ago", async () => {
    // Trusted two hours ago (the kit's clock back), used now: the snippet's own clock is the real one.
    const now = alignedNow();
    const then = now - 7200;
    await harness.setClock(then);
    const token = await harness.token(`${mode}-fox`);
    const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
    body(await harness.post('/verify-factor', { factorSid, code: totp(secret, then) }, { token }));
    await harness.setClock(then + 30);
    const trusted = body(await harness.post('/create-challenge', { code: totp(secret, then + 30), rememberDevice: true }, { token })) as { trustedDevice: { deviceToken: string } };
    // Now, on that device: no code, its token.
    await harness.setClock(now);
    const signIn = (nonce: string): Promise<string> =>
      harness.post('/check-device', { deviceToken: trusted.trustedDevice.deviceToken, nonce }, { token }).then((answer) => String(body(answer).approval));
    const [first, second, third] = [await signIn('nonce-fox-1'), await signIn('nonce-fox-2'), await signIn('nonce-fox-3')];
    const pending = (nonce: string): Case['pending'] => ({ userId: `${mode}-fox`, nonce });
    const outcomes = await runSnippet(snippetEnv, [
      { approval: first, pending: pending('nonce-fox-1'), options: { allowTrustedDevice: false } },
      { approval: second, pending: pending('nonce-fox-2'), options: { maxTrustedAgeSeconds: 3600 } },
      { approval: third, pending: pending('nonce-fox-3'), options: { maxTrustedAgeSeconds: 86_400 } },
      { approval: first, pending: pending('nonce-fox-1') },
    ]);
    expect(outcomes).toEqual([
      { error: 'this action needs a code, not a trusted device' },
      { error: 'the device was trusted too long ago for this action' },
      { ok: { userId: `${mode}-fox`, method: 'trusted_device', deviceTrustedAt: then + 30 } },
      // A refusal used nothing up: the same approval passes where a trusted device is enough.
      { ok: { userId: `${mode}-fox`, method: 'trusted_device', deviceTrustedAt: then + 30 } },
    ]);
  }, 60_000);

  test('an approval from another deployment of the kit (another issuer) is refused', async () => {
    const approval = await approvalFor(harness, `${mode}-dee`, 'nonce-dee-1');
    const outcomes = await runSnippet({ ...snippetEnv, TOTP_KIT_URL: harness.url.replace('127.0.0.1', 'localhost') }, [
      { approval, pending: { userId: `${mode}-dee`, nonce: 'nonce-dee-1' } },
    ]);
    expect(outcomes).toEqual([{ error: 'ERR_JWT_CLAIM_VALIDATION_FAILED' }]);
  }, 60_000);
});
