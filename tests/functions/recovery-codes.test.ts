// Recovery codes over HTTP: issued once at verification, each signs in once (also under a race), a lost phone's
// factor is removed with one, regeneration ends the old set, wrong ones count towards the lock, nothing is kept in clear:
// the stored form read back from the emulator's data is a salt and a peppered scrypt hash per code. A set of the format
// issued before still signs in, once per code, is flagged outdated, and is replaced by a set of the current format.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { JOURNAL_FILE } from '../../emulator/core/data-files';
import { enrollUser, type EnrolledUser } from '../helpers/enrolled';
import { body, errorOf, totp, wrongCode, type FunctionsHarness } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { captureErrorLog } from '../helpers/log-capture';
import { canonicalCode, expectedRecoveryHash, legacyRecoverySet } from '../helpers/recovery-codes';
import { replaceStoredState, storedState } from '../helpers/state';

const CODE_FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;
/** Of the current format, and no code of any set: its slot 0 exists, its 75 random bits are the kit's never. */
const WRONG = '0000-0000-0000-0000';

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
  expect(body(await harness.post('/list-factors', {}, { token: enrolled.token })).recoveryCodesOutdated).toBe(false);
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
  expect((await useCode(enrolled, ` ${b.slice(0, 2)} ${b.slice(2, 7)} ${b.slice(7).replace(/-/g, '')} `)).status).toBe(200);
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
  for (const malformed of ['12345', 'ABCDE-FGHIJ-K', 'UUUU-UUUU-UUUU-UUUU', '0000-0000-0000-00000', 'not a code at all']) {
    const answer = await useCode(enrolled, malformed);
    expect([answer.status, errorOf(answer).code]).toEqual([400, 'invalid_request']);
  }
  // The malformed ones did not count: four wrong codes still leave the user unlocked.
  const wrong = WRONG;
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
  for (let i = 0; i < 3; i += 1) expect((await useCode(enrolled, WRONG)).status).toBe(403);
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
  expect(body(await harness.post('/list-factors', {}, { token: enrolled.token }))).toEqual({ factors: [], recoveryCodesLeft: 0, recoveryCodesOutdated: false });
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
  const wrong = await harness.post('/delete-factor', { factorSid: enrolled.factorSid, recoveryCode: WRONG }, { token: enrolled.token });
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
    for (const form of [code, code.replace(/-/g, ''), code.toLowerCase()]) expect(stored).not.toContain(form);
  }
});

/** The user's state document as the emulator keeps it at rest: its last write in the data folder's journal (JSON lines). */
function documentAtRest(user: string): Record<string, unknown> {
  const name = `totp-user-${harness.identityOf(user)}`;
  let data: Record<string, unknown> | undefined;
  // The journal is preallocated with zeros; its first line names the format.
  for (const line of readFileSync(join(harness.dataDir, JOURNAL_FILE), 'utf8').replace(/\0+$/, '').split('\n').slice(1)) {
    if (line === '') continue;
    const entry = JSON.parse(line) as { product?: string; changes?: Array<{ put?: string; record?: { uniqueName?: string; data?: Record<string, unknown> } }> };
    if (entry.product !== 'sync') continue;
    for (const change of entry.changes ?? []) if (change.put === 'document' && change.record?.uniqueName === name) data = change.record.data;
  }
  if (data === undefined) throw new Error(`no ${name} in the emulator's journal`);
  return data;
}

test('at rest, each code is a slot, a salt of its own (128 bits) and a password hash: scrypt under the pepper, recomputed apart', async () => {
  const enrolled = await enroll();
  const recovery = documentAtRest(enrolled.user).recovery as { scheme: string; N: number; r: number; p: number; codes: Array<{ slot: number; salt: string; hash: string }> };
  expect(recovery).toMatchObject({ scheme: 'scrypt', N: 16_384, r: 8, p: 1 });
  expect(recovery.codes).toHaveLength(10);
  expect(new Set(recovery.codes.map((code) => code.salt)).size).toBe(10);
  for (const entry of recovery.codes) {
    expect(Buffer.from(entry.salt, 'base64url')).toHaveLength(16);
    const code = enrolled.recoveryCodes.find((candidate) => candidate.startsWith(String(entry.slot))) ?? '';
    expect(entry.hash).toBe(expectedRecoveryHash(harness.env.RECOVERY_CODE_SECRET ?? '', code, entry.salt, recovery));
  }
  // Under another key (the identity's, as before) the same codes hash to something else: the pepper is its own.
  expect(recovery.codes[0]?.hash).not.toBe(expectedRecoveryHash(harness.env.IDENTITY_SECRET ?? '', enrolled.recoveryCodes[0] ?? '', recovery.codes[0]?.salt ?? '', recovery));
  const kept = JSON.stringify(recovery);
  for (const code of enrolled.recoveryCodes) for (const form of [code, canonicalCode(code), code.toLowerCase()]) expect(kept).not.toContain(form);
});

test('a set of the format issued before signs in once per code, is flagged outdated, and a new set is of the current format', async () => {
  const enrolled = await enroll();
  // The document as the kit's earlier version left it: one salt for the set, HMACs under IDENTITY_SECRET.
  const legacy = legacyRecoverySet(harness.env.IDENTITY_SECRET ?? '');
  const current = await storedState(harness, enrolled.user);
  await replaceStoredState(harness, enrolled.user, { ...current?.data, recovery: legacy.stored });
  expect(body(await harness.post('/list-factors', {}, { token: enrolled.token }))).toMatchObject({ recoveryCodesLeft: 10, recoveryCodesOutdated: true });

  const first = await useCode(enrolled, legacy.codes[0] ?? '');
  expect([first.status, body(first).recoveryCodesLeft]).toEqual([200, 9]);
  const again = await useCode(enrolled, legacy.codes[0] ?? '');
  expect([again.status, errorOf(again).code]).toEqual([403, 'invalid_code']);
  expect(body(await harness.post('/list-factors', {}, { token: enrolled.token }))).toMatchObject({ recoveryCodesLeft: 9, recoveryCodesOutdated: true });

  const regenerated = await harness.post('/regenerate-recovery-codes', { code: totp(enrolled.secret, clock.now) }, { token: enrolled.token });
  const fresh = body(regenerated).recoveryCodes as string[];
  for (const code of fresh) expect(code).toMatch(CODE_FORMAT);
  expect(body(await harness.post('/list-factors', {}, { token: enrolled.token }))).toMatchObject({ recoveryCodesLeft: 10, recoveryCodesOutdated: false });
  expect(documentAtRest(enrolled.user).recovery).toMatchObject({ scheme: 'scrypt' });
  expect((await useCode(enrolled, legacy.codes[1] ?? '')).status).toBe(403);
  expect((await useCode(enrolled, fresh[1] ?? '')).status).toBe(200);

  // Each use and the new set are in the user's trail, for the host to notify the user (NIST SP 800-63B-4 §4.2.1.1).
  const events = body(await harness.post('/list-activity', {}, { token: enrolled.token })).events as Array<{ type: string; outcome?: string }>;
  const types = events.map((event) => `${event.type}${event.outcome === undefined ? '' : `:${event.outcome}`}`);
  expect(types.slice(0, 6)).toEqual([
    'recovery_code.used:sign_in',
    'challenge.failed:wrong_recovery_code',
    'recovery_codes.generated',
    'challenge.approved:step_up',
    'challenge.failed:wrong_recovery_code',
    'recovery_code.used:sign_in',
  ]);
});
