// The core of the kit: enrollment, first verification, sign-in checks, listing and deletion of one user's TOTP factors.
// It speaks in results and Failure kinds; lib/http/failure-table.ts turns those into HTTP answers at the edge.
// Every code check goes in one order: 1 the lock check that reserves the check (state), 2 Verify, 3 the atomic outcome
// (the "used" record or the count, state), 4 approval; steps 1 and 2 go through the scope's code check
// (./code-check.ts), which counts every wrong code and closes a check that ends without an outcome.
import { randomUUID } from 'node:crypto';
import type {
  CreateChallengeResponse,
  CreateFactorResponse,
  DeleteFactorResponse,
  ListActivityResponse,
  ListFactorsResponse,
  RegenerateRecoveryCodesResponse,
  StudioStatus,
  UseRecoveryCodeResponse,
  VerifyFactorResponse,
} from '../contract';
import type { UserState, VerifiedFactor } from '../state/model';
import { signApprovalToken } from './approval';
import type { TotpFactor } from '../verify/gateway';
import type { CodeCheck } from './code-check';
import type { EventNote } from '../events/security-events';
import { Failure, isFailure, type FailureKind } from './failures';
import { normalizeRecoveryCode } from './recovery-codes';
import { totpTimingProblems } from './totp-bounds';
import { grantOf, newDevice, type RememberDevice } from './trusted-devices';
import type { UserScope } from './user-scope';
import type { ProvenCaller, StudioUser } from './users';

function newestFirst(a: TotpFactor, b: TotpFactor): number {
  return b.createdAt.getTime() - a.createdAt.getTime();
}

/**
 * The factor a code is checked against: the one named, else the newest verified one. Found in the user's own list,
 * so another user's factor SID is simply not found, and a wrong-length code is refused before it costs Verify quota.
 */
async function requireVerifiedFactor(scope: UserScope, factorSid?: string): Promise<TotpFactor> {
  const factors = (await scope.verify.listTotpFactors(scope.identity)).sort(newestFirst);
  if (factorSid === undefined) {
    const verified = factors.find((factor) => factor.status === 'verified');
    if (verified === undefined) throw new Failure('not_enrolled');
    return verified;
  }
  const named = factors.find((factor) => factor.sid === factorSid);
  if (named === undefined) throw new Failure('factor_not_found');
  if (named.status !== 'verified') throw new Failure('factor_not_verified');
  return named;
}

/** A code of another length than the factor's can never be right; refusing it spares the user's Verify quota. */
function requireCodeLength(factor: Pick<TotpFactor, 'config'>, code: string): void {
  if (code.length !== factor.config.digits) throw new Failure('code_length_mismatch');
}

/**
 * The verified factor a code is checked against, decided before the check's reservation when the state does not know
 * it (a user enrolled before the state existed, or none at all): the user's list decides, and a user without a
 * verified factor is answered with nothing written.
 */
interface FactorChoice {
  /** The code check's `prepare` step (lib/state/security-state.ts CodeCheckOptions). */
  prepare(known: VerifiedFactor | undefined): Promise<void>;
  /** What the list found before the reservation; undefined when the state's known factor goes first. */
  readonly listed: TotpFactor | undefined;
}

function chooseFactor(scope: UserScope, factorSid: string | undefined): FactorChoice {
  let listed: TotpFactor | undefined;
  return {
    async prepare(known) {
      if (known === undefined || (factorSid !== undefined && factorSid !== known.sid)) listed = await requireVerifiedFactor(scope, factorSid);
    },
    get listed() {
      return listed;
    },
  };
}

/**
 * Runs `check` (one Verify call with the code) against the verified factor. The state usually knows that factor, so a
 * sign-in check needs no factor list; when it does not, the list `choice` made decides, and the attempt records what it
 * found for the next check. A known factor that Verify no longer has (deleted outside the kit) is forgotten; if the
 * list then holds another verified factor, the code is checked against that one.
 */
async function checkAgainstVerifiedFactor<T>(
  scope: UserScope,
  { attempt }: CodeCheck,
  code: string,
  choice: { factorSid: string | undefined; listed: TotpFactor | undefined },
  check: (factor: VerifiedFactor) => Promise<T>,
): Promise<{ factor: VerifiedFactor; result: T }> {
  const known = attempt.knownFactor;
  let gone: { sid: string; error: unknown } | undefined;
  if (choice.listed === undefined && known !== undefined) {
    requireCodeLength(known, code);
    try {
      return { factor: known, result: await check(known) };
    } catch (error) {
      if (!isFailure(error, 'factor_not_found')) throw error;
      attempt.noteFactor(null);
      gone = { sid: known.sid, error };
    }
  }
  let listed = choice.listed;
  if (listed === undefined) {
    try {
      listed = await requireVerifiedFactor(scope, choice.factorSid);
    } catch (error) {
      // Only the list's own answer says what the state forgets (written when the check closes); an unreadable list, nothing.
      if (!isFailure(error, 'not_enrolled', 'factor_not_found', 'factor_not_verified')) attempt.noteFactor(undefined);
      throw error;
    }
  }
  const factor = { sid: listed.sid, config: listed.config };
  attempt.noteFactor(factor);
  // Still listed: Verify's "not found" was about something else, and one code gets one Verify check.
  if (gone !== undefined && gone.sid === factor.sid) throw gone.error;
  requireCodeLength(factor, code);
  return { factor, result: await check(factor) };
}

/**
 * Removes an unverified factor found earlier, looking at it again right before: a factor that became verified meanwhile
 * is never removed (Failure('already_enrolled')). False when Verify had dropped it already (unverified factors expire
 * within 24 h).
 */
async function removeUnverified(scope: UserScope, factorSid: string): Promise<boolean> {
  try {
    const factor = await scope.verify.fetchFactor(scope.identity, factorSid);
    if (factor.status === 'verified') throw new Failure('already_enrolled');
    await scope.verify.deleteFactor(scope.identity, factorSid);
    return true;
  } catch (error) {
    if (!isFailure(error, 'factor_not_found')) throw error;
    return false;
  }
}

const deletedEvents = (sids: readonly string[]): EventNote[] => sids.map((factorSid) => ({ type: 'factor.deleted', factorSid }));

/**
 * The factor Verify just made carries the service's settings in force: a time step over 30 s or a skew over 1 (ASVS
 * 6.5.5, RFC 6238 §5.2) is the operator's to fix. Undefined when the settings are within the standards.
 */
function timingFailure(factor: TotpFactor): Failure | undefined {
  const problems = totpTimingProblems({ timeStep: factor.config.period, skew: factor.config.skew });
  if (problems.length === 0) return undefined;
  return new Failure('misconfigured', {
    logDetail: `the Verify service's new factors: ${problems.join('; ')}; run \`npm run setup -- --time-step 30 --skew 1\``,
  });
}

/**
 * Starts an enrollment. Refused while the user has a verified factor: otherwise a stolen caller token would let an
 * attacker add their own authenticator next to the user's (the verified one must be deleted with a current code first).
 * Earlier unfinished enrollments are removed so they neither pile up nor reach Verify's per-entity limit (60315).
 */
export async function enrollFactor(scope: UserScope<ProvenCaller>, label: string): Promise<CreateFactorResponse> {
  // One at a time: of concurrent calls (a double click, two tabs) exactly one goes on; the others get
  // enrollment_in_progress, so Verify is left with one unverified factor, the one this call returns. The hold comes
  // before the list, and a first verification takes it too, so no factor becomes verified behind this call's back.
  const ticket = await scope.state.holdEnrollment();
  const removed: string[] = [];
  try {
    const factors = await scope.verify.listTotpFactors(scope.identity);
    if (factors.some((factor) => factor.status === 'verified')) throw new Failure('already_enrolled');
    for (const factor of factors) if (await removeUnverified(scope, factor.sid)) removed.push(factor.sid);
    const factor = await scope.verify.createTotpFactor(scope.identity, label);
    const misconfigured = timingFailure(factor);
    if (misconfigured !== undefined) {
      // Its secret is never handed out, and the factor goes now rather than when Verify expires it.
      if (await removeUnverified(scope, factor.sid).catch(() => false)) removed.push(factor.sid);
      throw misconfigured;
    }
    // A verified factor the state still knows but Verify no longer lists (deleted outside the kit) is forgotten.
    await ticket.created(factor.sid, [...deletedEvents(removed), { type: 'factor.created', factorSid: factor.sid }], forgetFactor);
    return { factorSid: factor.sid, status: 'unverified', uri: factor.uri, secret: factor.secret, config: factor.config };
  } catch (error) {
    // Nothing was handed out: the user's retry need not wait for the hold to run out; what was removed is recorded.
    await ticket.release(deletedEvents(removed)).catch(() => undefined);
    throw error;
  }
}

/**
 * The first code from the authenticator app; a wrong code is a result (`unverified`), not an error. A verified
 * factor is refused without a code check: Verify would answer `verified` to any code, which an integrator could
 * mistake for a passed check. Verifying issues the recovery codes, shown this once (only their hashes are kept).
 */
export async function confirmFactor(scope: UserScope<ProvenCaller>, factorSid: string, code: string): Promise<VerifyFactorResponse> {
  // The check holds the enrollment: no /create-factor or code-less delete removes this factor while Verify may be
  // activating it, and none is under way now (enrollment_in_progress otherwise).
  return scope.withCodeCheck({ purpose: 'factor', hold: { phase: 'verifying', factorSid } }, async (check) => {
    const { attempt } = check;
    const factor = await scope.verify.fetchFactor(scope.identity, factorSid);
    if (factor.status === 'verified') throw new Failure('already_verified');
    requireCodeLength(factor, code);
    const status = await check.verifyFactor(factorSid, code);
    if (status !== 'verified') {
      await attempt.refused({ factorSid });
      return { factorSid, status };
    }
    // A new authenticator comes with a new set: any earlier codes stop working in the same write.
    const recovery = await scope.state.issueRecoveryCodes();
    await attempt.activated({ sid: factorSid, config: factor.config }, code, recovery.stored);
    return { factorSid, status, recoveryCodes: recovery.codes };
  });
}

/**
 * A sign-in check. Approved answers carry a signed approval token for the host backend, and with `remember` a trusted
 * device's token (trusted in the same write as the approval); a wrong code is `pending`.
 */
export async function checkCode(
  scope: UserScope<ProvenCaller>,
  code: string,
  options: { factorSid?: string; nonce?: string; remember?: RememberDevice } = {},
): Promise<CreateChallengeResponse> {
  const choice = chooseFactor(scope, options.factorSid);
  const trust = options.remember === undefined ? undefined : newDevice(options.remember, 'otp');
  const requestedAt = scope.now();
  const checked = await scope.withCodeCheck({ purpose: 'challenge', prepare: choice.prepare }, async (check) => {
    const { attempt } = check;
    const { factor, result: challenge } = await checkAgainstVerifiedFactor(scope, check, code, { factorSid: options.factorSid, listed: choice.listed }, (against) =>
      check.createChallenge(against, code),
    );
    if (challenge.status !== 'approved') {
      await attempt.refused({ factorSid: factor.sid, reuse: { factor, code } });
      return { approved: false, challenge };
    }
    // A replayed code (or one whose check lapsed) answers as a wrong code, and no token is signed for it.
    return { approved: await attempt.approved(factor, code, { trust }), challenge };
  });
  const { challenge } = checked;
  if (!checked.approved) return { status: 'pending', challengeSid: challenge.sid };
  const approval = await signApprovalToken(
    scope.approval,
    { sub: scope.user.sub, challengeSid: challenge.sid, nonce: options.nonce },
    scope.now(),
  );
  if (trust === undefined) return { status: 'approved', challengeSid: challenge.sid, approval };
  return { status: 'approved', challengeSid: challenge.sid, approval, trustedDevice: grantOf(trust, requestedAt, scope.trustedDeviceTtlMs) };
}

/** The user's TOTP factors without any secret (Verify returns the binding only at creation anyway). */
export async function listFactors(scope: UserScope<ProvenCaller>): Promise<ListFactorsResponse> {
  const [factors, recovery] = await Promise.all([scope.verify.listTotpFactors(scope.identity), scope.state.recoveryCodes()]);
  return {
    factors: factors.sort(newestFirst).map((factor) => ({
      factorSid: factor.sid,
      label: factor.friendlyName,
      status: factor.status,
      createdAt: factor.createdAt.toISOString(),
      config: factor.config,
    })),
    recoveryCodesLeft: recovery.left,
    recoveryCodesOutdated: recovery.outdated,
  };
}

/** What proves the person at a delete: a current code from the authenticator, or (a lost phone) a recovery code. */
export type StepUp = { code: string } | { recoveryCode: string } | Record<string, never>;

/** Text that cannot be a recovery code is bad input, not a guess: it costs no attempt. */
function requireRecoveryCodeFormat(input: string): void {
  if (normalizeRecoveryCode(input) === undefined) throw new Failure('malformed_recovery_code');
}

/**
 * The verified factor, its recovery codes and the devices trusted with it go together: the state forgets all of them
 * when the factor is deleted (each device reported as `device.forgotten`, `factor_deleted`).
 */
const forgetFactor = (state: UserState): UserState => ({ ...state, factor: null, recovery: null, devices: [] });

/**
 * Deleting a verified factor is a step-up: it needs a fresh valid code, or a recovery code for a lost phone, so a
 * stolen caller token alone cannot do it. Deleting the verified factor also ends its recovery codes.
 */
export async function removeFactor(scope: UserScope<ProvenCaller>, factorSid: string, stepUp: StepUp = {}): Promise<DeleteFactorResponse> {
  if ('recoveryCode' in stepUp) requireRecoveryCodeFormat(stepUp.recoveryCode);
  const proof = 'code' in stepUp ? { code: stepUp.code } : 'recoveryCode' in stepUp ? { recoveryCode: stepUp.recoveryCode } : undefined;
  if (proof !== undefined) {
    // With a code, the lock check comes first, before Verify is asked anything.
    const removed = await scope.withCodeCheck({ purpose: 'code' in proof ? 'challenge' : 'recovery' }, async (check) => {
      const factor = await scope.verify.fetchFactor(scope.identity, factorSid);
      // An unverified factor needs no code: its delete goes the code-less way (the check is given back unused).
      if (factor.status !== 'verified') return false;
      await proveDelete(check, factor, proof);
      await scope.verify.deleteFactor(scope.identity, factorSid);
      return true;
    });
    if (removed) {
      await scope.state.record(deletedEvents([factorSid]));
      return { deleted: true };
    }
  }
  await removeWithoutCode(scope, factorSid);
  return { deleted: true };
}

/**
 * A code-less delete, for an unverified factor only. It holds the enrollment (refused while a first verification or an
 * enrollment is under way), then looks at the factor again: one that became verified needs the step-up.
 */
async function removeWithoutCode(scope: UserScope<ProvenCaller>, factorSid: string): Promise<void> {
  const ticket = await scope.state.holdDelete(factorSid);
  try {
    const factor = await scope.verify.fetchFactor(scope.identity, factorSid);
    if (factor.status === 'verified') throw new Failure('step_up_required');
    await scope.verify.deleteFactor(scope.identity, factorSid);
  } catch (error) {
    await ticket.release().catch(() => undefined);
    throw error;
  }
  await ticket.release(deletedEvents([factorSid]));
}

/** The step-up of a verified factor's delete: a current code or a recovery code, or Failure('wrong_code'). */
async function proveDelete(check: CodeCheck, factor: TotpFactor, stepUp: { code: string } | { recoveryCode: string }): Promise<void> {
  const { attempt } = check;
  if ('recoveryCode' in stepUp) {
    const left = await attempt.redeemRecoveryCode(stepUp.recoveryCode, { purpose: 'delete_factor', factorSid: factor.sid, change: forgetFactor });
    if (left === undefined) throw new Failure('wrong_code');
    return;
  }
  requireCodeLength(factor, stepUp.code);
  const verified = { sid: factor.sid, config: factor.config };
  const challenge = await check.createChallenge(verified, stepUp.code);
  if (challenge.status !== 'approved') {
    await attempt.refused({ factorSid: factor.sid, outcome: 'wrong_code', reuse: { factor: verified, code: stepUp.code } });
    throw new Failure('wrong_code');
  }
  // The state forgets the factor in the same write that records the code as used, before Verify deletes it.
  if (!(await attempt.approved(verified, stepUp.code, { change: forgetFactor }))) throw new Failure('wrong_code');
}

/**
 * A sign-in with a recovery code (a lost phone): the same approval token as for an authenticator code, with
 * `amr: ["recovery_code"]` so the host can tell the two apart. The code is used up atomically; a wrong one counts
 * towards the lock like a wrong authenticator code. A lost phone may have gone with a trusted laptop: every device
 * trusted before is forgotten in the same write, and only this one is trusted with `remember`.
 */
export async function useRecoveryCode(
  scope: UserScope<ProvenCaller>,
  code: string,
  options: { nonce?: string; remember?: RememberDevice } = {},
): Promise<UseRecoveryCodeResponse> {
  requireRecoveryCodeFormat(code);
  const trust = options.remember === undefined ? undefined : newDevice(options.remember, 'recovery_code');
  const requestedAt = scope.now();
  const left = await scope.withCodeCheck({ purpose: 'recovery' }, ({ attempt }) =>
    attempt.redeemRecoveryCode(code, { purpose: 'sign_in', change: (state) => ({ ...state, devices: [] }), forgetReason: 'recovery_code', trust }),
  );
  if (left === undefined) throw new Failure('wrong_code');
  const approval = await signApprovalToken(
    scope.approval,
    // No Verify challenge stands behind it: the token's jti is the kit's own, unique per use.
    { sub: scope.user.sub, challengeSid: `rc_${randomUUID().replace(/-/g, '')}`, nonce: options.nonce, method: 'recovery_code' },
    scope.now(),
  );
  if (trust === undefined) return { status: 'approved', approval, recoveryCodesLeft: left };
  return { status: 'approved', approval, recoveryCodesLeft: left, trustedDevice: grantOf(trust, requestedAt, scope.trustedDeviceTtlMs) };
}

/** A new set of recovery codes for a current authenticator code (step-up); every earlier code stops working at once. */
export async function regenerateRecoveryCodes(scope: UserScope<ProvenCaller>, code: string): Promise<RegenerateRecoveryCodesResponse> {
  const choice = chooseFactor(scope, undefined);
  return scope.withCodeCheck({ purpose: 'challenge', prepare: choice.prepare }, async (check) => {
    const { attempt } = check;
    const { factor, result: challenge } = await checkAgainstVerifiedFactor(scope, check, code, { factorSid: undefined, listed: choice.listed }, (checked) =>
      check.createChallenge(checked, code),
    );
    if (challenge.status !== 'approved') {
      await attempt.refused({ factorSid: factor.sid, reuse: { factor, code } });
      throw new Failure('wrong_code');
    }
    const recovery = await scope.state.issueRecoveryCodes();
    const replaced = await attempt.approved(factor, code, {
      events: [
        { type: 'challenge.approved', factorSid: factor.sid, outcome: 'step_up' },
        { type: 'recovery_codes.generated', factorSid: factor.sid, detail: { count: recovery.codes.length } },
      ],
      change: (state) => ({ ...state, recovery: recovery.stored }),
    });
    if (!replaced) throw new Failure('wrong_code');
    return { recoveryCodes: recovery.codes };
  });
}

/** The caller's recent security events, newest first (no code, secret or personal data is ever in them). */
export async function listActivity(scope: UserScope<ProvenCaller>): Promise<ListActivityResponse> {
  return { events: await scope.state.activity() };
}

/** Verify's own limits that mean "this user's factor is blocked for now" (account-wide rate limits stay real faults). */
const VERIFY_LOCK_KINDS: FailureKind[] = ['factor_attempts_exhausted', 'factor_attempts_throttled', 'challenges_throttled'];

/**
 * With the uniform answer, a caller who never enrolled is answered as if a code of Verify's default length (6) were
 * wrong; a code of another length is `invalid`, as it is for an enrolled 6-digit factor.
 */
const UNIFORM_DIGITS = 6;

export interface StudioCheckOptions {
  /** Answer `pending` instead of `not_enrolled` (and count it, so locks look alike too): no enrollment oracle. */
  hideEnrollment?: boolean;
}

/** The Studio check: every expected outcome is a status for a Split widget; only real faults are thrown. */
export async function checkCodeForStudio(scope: UserScope<StudioUser>, code: string, options: StudioCheckOptions = {}): Promise<StudioStatus> {
  try {
    return await studioOutcome(scope, code, options);
  } catch (error) {
    if (isFailure(error, 'locked', 'capped', ...VERIFY_LOCK_KINDS)) return 'locked';
    if (isFailure(error, 'code_reused')) return 'reused';
    throw error;
  }
}

async function studioOutcome(scope: UserScope<StudioUser>, code: string, options: StudioCheckOptions): Promise<StudioStatus> {
  const choice = chooseFactor(scope, undefined);
  let enrolled = true;
  const prepare = async (known: VerifiedFactor | undefined): Promise<void> => {
    try {
      await choice.prepare(known);
    } catch (error) {
      // The uniform answer counts a stranger's guess like a wrong code, so it needs the check's reservation too.
      if (!options.hideEnrollment || !isFailure(error, 'not_enrolled')) throw error;
      enrolled = false;
    }
  };
  try {
    return await scope.withCodeCheck({ purpose: 'challenge', prepare }, async (check) => {
      const { attempt } = check;
      if (!enrolled) {
        if (code.length !== UNIFORM_DIGITS) return 'invalid';
        await attempt.refused();
        return 'pending';
      }
      let checked: { factor: VerifiedFactor; result: { status: string } };
      try {
        checked = await checkAgainstVerifiedFactor(scope, check, code, { factorSid: undefined, listed: choice.listed }, (factor) => check.createChallenge(factor, code));
      } catch (error) {
        if (isFailure(error, 'code_length_mismatch')) return 'invalid';
        // Counted already by the code check, as on every path.
        if (isFailure(error, 'wrong_code')) return 'pending';
        if (!isFailure(error, 'not_enrolled') || !options.hideEnrollment) throw error;
        // The known factor was gone and the list holds none: the uniform answer, counted.
        if (code.length !== UNIFORM_DIGITS) return 'invalid';
        await attempt.refused();
        return 'pending';
      }
      if (checked.result.status !== 'approved') {
        await attempt.refused({ factorSid: checked.factor.sid, reuse: { factor: checked.factor, code } });
        return 'pending';
      }
      return (await attempt.approved(checked.factor, code)) ? 'approved' : 'pending';
    });
  } catch (error) {
    // A caller without a verified factor (with the uniform answer, handled above).
    if (isFailure(error, 'not_enrolled')) return 'not_enrolled';
    throw error;
  }
}
