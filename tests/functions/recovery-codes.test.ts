// Recovery codes over HTTP: issued once at verification, each signs in once (also under a race), a lost phone's
// factor is removed with one, regeneration ends the old set, wrong ones count towards the lock, nothing is kept in clear.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { enrollUser, type EnrolledUser } from '../helpers/enrolled';
import { body, errorOf, totp, wrongCode, type FunctionsHarness } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { captureErrorLog } from '../helpers/log-capture';

const CODE_FORMAT = /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/;

const { harness, clock } = useFunctionsStack({ freshStep: 'test' });
let users = 0;
/** The Functions' error log: a lock's one line when wrong recovery codes start one, kept out of the output. */
const log = captureErrorLog();

/** A fresh user, enrolled; its recovery codes come once, never cached. */
async function enroll(): Promise<EnrolledUser> {
  users += 1;
  const enrolled = await enrollUser(harness, clock, `recovery-user-${users}`);
  expect(enrolled.verified.headers.get('cache-control')).toBe('no-store');
  return enrolled;
}

async function useCode(enrolled: EnrolledUser, code: string): ReturnType<FunctionsHarness['post']> {
  return harness.post('/use-recovery-code', { code }, { token: enrolled.token });
}

async function codesLeft(enrolled: EnrolledUser): Promise<unknown> {
  return body(await harness.post('/list-factors', {}, { token: enrolled.token })).recoveryCodesLeft;
}

test('verifying a factor answers ten distinct codes, shown this once; list-factors counts them', async () => {
  const enrolled = await enroll();
  expect(enrolled.recoveryCodes).toHaveLength(10);
  expect(new Set(enrolled.recoveryCodes).size).toBe(10);
  for (const code of enrolled.recoveryCodes) expect(code).toMatch(CODE_FORMAT);
  expect(await codesLeft(enrolled)).toBe(10);
});

test('a recovery code signs in once, with an approval whose amr says recovery_code; the second use is refused', async () => {
  const enrolled = await enroll();
  const code = enrolled.recoveryCodes[0] ?? '';
  const first = await useCode(enrolled, code);
  expect(first.status).toBe(200);
  expect(body(first)).toEqual({ status: 'approved', approval: expect.any(String), recoveryCodesLeft: 9 });
  const { payload } = await jwtVerify(body(first).approval as string, new TextEncoder().encode(harness.env.APPROVAL_SIGNING_SECRET));
  expect(payload.amr).toEqual(['recovery_code']);
  expect(payload.sub).toBe(enrolled.user);
  expect(payload.jti).toMatch(/^rc_[0-9a-f]{32}$/);
  const again = await useCode(enrolled, code);
  expect(again.status).toBe(403);
  expect(errorOf(again).code).toBe('invalid_code');
  expect(await codesLeft(enrolled)).toBe(9);
});

test('an authenticator code still gets amr otp (the host can tell the two apart)', async () => {
  const enrolled = await enroll();
  const approved = body(await harness.post('/create-challenge', { code: totp(enrolled.secret, clock.now) }, { token: enrolled.token }));
  const { payload } = await jwtVerify(approved.approval as string, new TextEncoder().encode(harness.env.APPROVAL_SIGNING_SECRET));
  expect(payload.amr).toEqual(['otp']);
});

test('input is accepted without regard to case, spaces or dashes', async () => {
  const enrolled = await enroll();
  const [a = '', b = ''] = enrolled.recoveryCodes;
  expect((await useCode(enrolled, a.toLowerCase())).status).toBe(200);
  expect((await useCode(enrolled, ` ${b.slice(0, 2)} ${b.slice(2, 5)} ${b.slice(6)} `)).status).toBe(200);
  expect(await codesLeft(enrolled)).toBe(8);
});

test('two requests racing with one code: exactly one is approved', async () => {
  const enrolled = await enroll();
  const code = enrolled.recoveryCodes[3] ?? '';
  const answers = await Promise.all(Array.from({ length: 6 }, () => useCode(enrolled, code)));
  const statuses = answers.map((answer) => answer.status).sort();
  expect(statuses.filter((status) => status === 200)).toHaveLength(1);
  expect(await codesLeft(enrolled)).toBe(9);
});

test('text that cannot be a code is a 400 and costs no attempt; wrong codes count and lock, even a right one then', async () => {
  const enrolled = await enroll();
  for (const malformed of ['12345', 'ABCDE-FGHIJ-K', 'UUUUU-UUUUU', 'not a code at all']) {
    const answer = await useCode(enrolled, malformed);
    expect([answer.status, errorOf(answer).code]).toEqual([400, 'invalid_request']);
  }
  // The malformed ones did not count: four wrong codes still leave the user unlocked.
  const wrong = '00000-00000';
  for (let i = 0; i < 4; i += 1) expect((await useCode(enrolled, wrong)).status).toBe(403);
  const fifth = await useCode(enrolled, wrong);
  expect([fifth.status, errorOf(fifth).code]).toEqual([429, 'locked']);
  expect(Number(fifth.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(log.lines).toEqual([expect.stringContaining("use-recovery-code: lockout: a user's web channel is locked for 60 s")]);
  const right = await useCode(enrolled, enrolled.recoveryCodes[0] ?? '');
  expect([right.status, errorOf(right).code]).toEqual([429, 'locked']);
  expect(await codesLeft(enrolled)).toBe(10);
});

test('a wrong recovery code and a wrong authenticator code count towards the same lock', async () => {
  const enrolled = await enroll();
  for (let i = 0; i < 3; i += 1) expect((await useCode(enrolled, '00000-00000')).status).toBe(403);
  expect(body(await harness.post('/create-challenge', { code: wrongCode(enrolled.secret, clock.now) }, { token: enrolled.token })).status).toBe('pending');
  const fifth = await harness.post('/create-challenge', { code: wrongCode(enrolled.secret, clock.now) }, { token: enrolled.token });
  expect(errorOf(fifth).code).toBe('locked');
  expect(log.lines).toEqual([expect.stringContaining("create-challenge: lockout: a user's web channel is locked for 60 s")]);
});

test('lost phone: a recovery code removes the factor, the old set stops working, a new set-up brings a new set', async () => {
  const enrolled = await enroll();
  const [first = '', second = ''] = enrolled.recoveryCodes;
  const deleted = await harness.post('/delete-factor', { factorSid: enrolled.factorSid, recoveryCode: first }, { token: enrolled.token });
  expect(deleted.status).toBe(200);
  expect(body(await harness.post('/list-factors', {}, { token: enrolled.token }))).toEqual({ factors: [], recoveryCodesLeft: 0 });
  expect((await useCode(enrolled, second)).status).toBe(403);

  const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token: enrolled.token })) as { factorSid: string; secret: string };
  const verified = body(await harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token: enrolled.token }));
  const fresh = verified.recoveryCodes as string[];
  expect(fresh).toHaveLength(10);
  expect(fresh).not.toContain(second);
  expect((await useCode(enrolled, second)).status).toBe(403);
  expect((await useCode(enrolled, fresh[0] ?? '')).status).toBe(200);
});

test('the delete step-up with a wrong recovery code is refused and keeps the factor; both kinds at once is a 400', async () => {
  const enrolled = await enroll();
  const wrong = await harness.post('/delete-factor', { factorSid: enrolled.factorSid, recoveryCode: '00000-00000' }, { token: enrolled.token });
  expect([wrong.status, errorOf(wrong).code]).toEqual([403, 'invalid_code']);
  const both = await harness.post(
    '/delete-factor',
    { factorSid: enrolled.factorSid, code: totp(enrolled.secret, clock.now), recoveryCode: enrolled.recoveryCodes[0] },
    { token: enrolled.token },
  );
  expect([both.status, errorOf(both).code]).toEqual([400, 'invalid_request']);
  expect((body(await harness.post('/list-factors', {}, { token: enrolled.token })).factors as unknown[]).length).toBe(1);
  expect(await codesLeft(enrolled)).toBe(10);
});

test('another user cannot use my recovery code, even enrolled with codes of their own', async () => {
  const alice = await enroll();
  const mallory = await enroll();
  const stolen = await useCode(mallory, alice.recoveryCodes[0] ?? '');
  expect(stolen.status).toBe(403);
  expect(await codesLeft(alice)).toBe(10);
  expect(await codesLeft(mallory)).toBe(10);
});

test('regenerating with a current code ends the old set; a wrong code is refused and keeps it', async () => {
  const enrolled = await enroll();
  const refused = await harness.post('/regenerate-recovery-codes', { code: wrongCode(enrolled.secret, clock.now) }, { token: enrolled.token });
  expect([refused.status, errorOf(refused).code]).toEqual([403, 'invalid_code']);
  expect((await useCode(enrolled, enrolled.recoveryCodes[9] ?? '')).status).toBe(200);

  const answer = await harness.post('/regenerate-recovery-codes', { code: totp(enrolled.secret, clock.now) }, { token: enrolled.token });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  const fresh = body(answer).recoveryCodes as string[];
  expect(fresh).toHaveLength(10);
  expect(await codesLeft(enrolled)).toBe(10);
  expect((await useCode(enrolled, enrolled.recoveryCodes[0] ?? '')).status).toBe(403);
  expect((await useCode(enrolled, fresh[0] ?? '')).status).toBe(200);
});

/** Every file under `dir`, recursively, as text. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [readFileSync(path, 'latin1')];
  });
}

test('no recovery code is kept in clear: not in the emulator data folder, not in the Sync document', async () => {
  const enrolled = await enroll();
  const stored = filesUnder(harness.dataDir).join('\n');
  // The test can fail: the state document is in the data folder, with the salted hashes.
  expect(stored).toContain(`totp-user-${harness.identityOf(enrolled.user)}`);
  for (const code of enrolled.recoveryCodes) {
    for (const form of [code, code.replace('-', ''), code.toLowerCase()]) expect(stored).not.toContain(form);
  }
});
