// The core of the kit: enrollment, first verification, sign-in checks, listing and deletion of one user's TOTP factors.
// It speaks in results and Failure kinds; lib/failure-table.ts turns those into HTTP answers at the edge.
import { signApprovalToken, type ApprovalSigner } from './approval';
import type {
  CreateChallengeResponse,
  CreateFactorResponse,
  DeleteFactorResponse,
  ListFactorsResponse,
  StudioStatus,
  VerifyFactorResponse,
} from './contract';
import { Failure, isFailure, type FailureKind } from './failures';
import type { ProvenCaller, ProvenUser, StudioUser } from './users';
import type { TotpFactor, VerifyGateway } from './verify';

/** Everything the core needs for one proven user (lib/users.ts); built per request by lib/endpoint.ts. */
export interface UserScope<User extends ProvenUser = ProvenUser> {
  user: User;
  verify: VerifyGateway;
  /** The Verify entity identity, derived from the user key (lib/auth.ts). */
  identity: string;
  approval: ApprovalSigner;
  now: () => Date;
}

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
function requireCodeLength(factor: TotpFactor, code: string): void {
  if (code.length !== factor.config.digits) throw new Failure('code_length_mismatch');
}

/** Removes a factor that Verify may already have dropped on its own (unverified factors expire within 24 h). */
async function deleteIfPresent(scope: UserScope, factorSid: string): Promise<void> {
  try {
    await scope.verify.deleteFactor(scope.identity, factorSid);
  } catch (error) {
    if (!isFailure(error, 'factor_not_found')) throw error;
  }
}

/**
 * Starts an enrollment. Refused while the user has a verified factor: otherwise a stolen caller token would let an
 * attacker add their own authenticator next to the user's (the verified one must be deleted with a current code first).
 * Earlier unfinished enrollments are removed so they neither pile up nor reach Verify's per-entity limit (60315).
 */
export async function enrollFactor(scope: UserScope<ProvenCaller>, label: string): Promise<CreateFactorResponse> {
  const factors = await scope.verify.listTotpFactors(scope.identity);
  if (factors.some((factor) => factor.status === 'verified')) throw new Failure('already_enrolled');
  await Promise.all(factors.map((factor) => deleteIfPresent(scope, factor.sid)));
  const factor = await scope.verify.createTotpFactor(scope.identity, label);
  return { factorSid: factor.sid, status: 'unverified', uri: factor.uri, secret: factor.secret, config: factor.config };
}

/**
 * The first code from the authenticator app; a wrong code is a result (`unverified`), not an error. A verified
 * factor is refused without a code check: Verify would answer `verified` to any code, which an integrator could
 * mistake for a passed check.
 */
export async function confirmFactor(scope: UserScope<ProvenCaller>, factorSid: string, code: string): Promise<VerifyFactorResponse> {
  const factor = await scope.verify.fetchFactor(scope.identity, factorSid);
  if (factor.status === 'verified') throw new Failure('already_verified');
  requireCodeLength(factor, code);
  const status = await scope.verify.verifyFactor(scope.identity, factorSid, code);
  return { factorSid, status };
}

/** A sign-in check. Approved answers carry a signed approval token for the host backend; a wrong code is `pending`. */
export async function checkCode(
  scope: UserScope<ProvenCaller>,
  code: string,
  options: { factorSid?: string; nonce?: string } = {},
): Promise<CreateChallengeResponse> {
  const factor = await requireVerifiedFactor(scope, options.factorSid);
  requireCodeLength(factor, code);
  const challenge = await scope.verify.createChallenge(scope.identity, factor.sid, code);
  if (challenge.status !== 'approved') return { status: 'pending', challengeSid: challenge.sid };
  const approval = await signApprovalToken(
    scope.approval,
    { sub: scope.user.sub, challengeSid: challenge.sid, nonce: options.nonce },
    scope.now(),
  );
  return { status: 'approved', challengeSid: challenge.sid, approval };
}

/** The user's TOTP factors without any secret (Verify returns the binding only at creation anyway). */
export async function listFactors(scope: UserScope<ProvenCaller>): Promise<ListFactorsResponse> {
  const factors = await scope.verify.listTotpFactors(scope.identity);
  return {
    factors: factors.sort(newestFirst).map((factor) => ({
      factorSid: factor.sid,
      label: factor.friendlyName,
      status: factor.status,
      createdAt: factor.createdAt.toISOString(),
      config: factor.config,
    })),
  };
}

/** Deleting a verified factor is a step-up: it needs a fresh valid code, so a stolen caller token alone cannot do it. */
export async function removeFactor(scope: UserScope<ProvenCaller>, factorSid: string, code?: string): Promise<DeleteFactorResponse> {
  const factor = await scope.verify.fetchFactor(scope.identity, factorSid);
  if (factor.status === 'verified') {
    if (code === undefined) throw new Failure('step_up_required');
    requireCodeLength(factor, code);
    const challenge = await scope.verify.createChallenge(scope.identity, factorSid, code);
    if (challenge.status !== 'approved') throw new Failure('wrong_code');
  }
  await scope.verify.deleteFactor(scope.identity, factorSid);
  return { deleted: true };
}

/** Verify's own limits that mean "this user's factor is blocked for now" (account-wide rate limits stay real faults). */
const VERIFY_LOCK_KINDS: FailureKind[] = ['factor_attempts_exhausted', 'factor_attempts_throttled', 'challenges_throttled'];

/** The Studio check: every expected outcome is a status for a Split widget; only real faults are thrown. */
export async function checkCodeForStudio(scope: UserScope<StudioUser>, code: string): Promise<StudioStatus> {
  let factor: TotpFactor;
  try {
    factor = await requireVerifiedFactor(scope);
  } catch (error) {
    if (isFailure(error, 'not_enrolled')) return 'not_enrolled';
    throw error;
  }
  if (code.length !== factor.config.digits) return 'invalid';
  try {
    const challenge = await scope.verify.createChallenge(scope.identity, factor.sid, code);
    return challenge.status === 'approved' ? 'approved' : 'pending';
  } catch (error) {
    if (isFailure(error, ...VERIFY_LOCK_KINDS)) return 'locked';
    if (isFailure(error, 'wrong_code')) return 'pending';
    throw error;
  }
}
