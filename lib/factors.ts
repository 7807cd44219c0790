// The core of the kit: enrollment, first verification, sign-in checks, listing and deletion of one user's TOTP factors.
import { signApprovalToken, type ApprovalSigner } from './approval';
import type {
  CreateChallengeResponse,
  CreateFactorResponse,
  DeleteFactorResponse,
  ListFactorsResponse,
  StudioStatus,
  VerifyFactorResponse,
} from './contract';
import { KitError } from './errors';
import type { TotpFactor, VerifyGateway } from './verify';

/** Everything the core needs for one user; built per request from a proven identity, never from caller input. */
export interface UserScope {
  verify: VerifyGateway;
  /** The Verify entity identity, derived from the user id (lib/auth.ts). */
  identity: string;
  /** The host application's user id, only for the approval token's `sub`. */
  sub: string;
  approval: ApprovalSigner;
  now: () => Date;
}

function newestFirst(a: TotpFactor, b: TotpFactor): number {
  return b.createdAt.getTime() - a.createdAt.getTime();
}

async function findVerifiedFactor(scope: UserScope): Promise<TotpFactor | undefined> {
  const factors = await scope.verify.listTotpFactors(scope.identity);
  return factors.filter((factor) => factor.status === 'verified').sort(newestFirst)[0];
}

/** Removes a factor that Verify may already have dropped on its own (unverified factors expire within 24 h). */
async function deleteIfPresent(scope: UserScope, factorSid: string): Promise<void> {
  try {
    await scope.verify.deleteFactor(scope.identity, factorSid);
  } catch (error) {
    if (!(error instanceof KitError && error.code === 'factor_not_found')) throw error;
  }
}

/**
 * Starts an enrollment. Refused while the user has a verified factor: otherwise a stolen caller token would let an
 * attacker add their own authenticator next to the user's (the verified one must be deleted with a current code first).
 * Earlier unfinished enrollments are removed so they neither pile up nor reach Verify's per-entity limit (60315).
 */
export async function enrollFactor(scope: UserScope, label: string): Promise<CreateFactorResponse> {
  const factors = await scope.verify.listTotpFactors(scope.identity);
  if (factors.some((factor) => factor.status === 'verified')) {
    throw new KitError(409, 'already_enrolled', 'An authenticator is already enrolled; delete it (with a current code) first.');
  }
  await Promise.all(factors.map((factor) => deleteIfPresent(scope, factor.sid)));
  const factor = await scope.verify.createTotpFactor(scope.identity, label);
  return { factorSid: factor.sid, status: 'unverified', uri: factor.uri, secret: factor.secret, config: factor.config };
}

/** The first code from the authenticator app; a wrong code is a result (`unverified`), not an error. */
export async function confirmFactor(scope: UserScope, factorSid: string, code: string): Promise<VerifyFactorResponse> {
  const status = await scope.verify.verifyFactor(scope.identity, factorSid, code);
  return { factorSid, status };
}

/** A sign-in check. Approved answers carry a signed approval token for the host backend; a wrong code is `pending`. */
export async function checkCode(scope: UserScope, code: string, factorSid?: string): Promise<CreateChallengeResponse> {
  const sid = factorSid ?? (await findVerifiedFactor(scope))?.sid;
  if (sid === undefined) throw new KitError(404, 'not_enrolled', 'No verified authenticator is enrolled for this user.');
  const challenge = await scope.verify.createChallenge(scope.identity, sid, code);
  if (challenge.status !== 'approved') return { status: 'pending', challengeSid: challenge.sid };
  const approval = await signApprovalToken(scope.approval, { sub: scope.sub, challengeSid: challenge.sid }, scope.now());
  return { status: 'approved', challengeSid: challenge.sid, approval };
}

/** The user's TOTP factors without any secret (Verify returns the binding only at creation anyway). */
export async function listFactors(scope: UserScope): Promise<ListFactorsResponse> {
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
export async function removeFactor(scope: UserScope, factorSid: string, code?: string): Promise<DeleteFactorResponse> {
  const factor = await scope.verify.fetchFactor(scope.identity, factorSid);
  if (factor.status === 'verified') {
    if (code === undefined) {
      throw new KitError(403, 'step_up_required', 'Deleting a verified authenticator needs a current code from it.');
    }
    const challenge = await scope.verify.createChallenge(scope.identity, factorSid, code);
    if (challenge.status !== 'approved') throw new KitError(403, 'invalid_code', 'The code is not valid.');
  }
  await scope.verify.deleteFactor(scope.identity, factorSid);
  return { deleted: true };
}

/** Kit codes that mean "this user's factor is blocked for now" (account-wide rate limits stay real faults). */
const LOCKED_CODES = new Set(['too_many_attempts', 'too_many_challenges']);

/** The Studio check: every expected outcome is a status for a Split widget; only real faults are thrown. */
export async function checkCodeForStudio(scope: UserScope, code: string): Promise<StudioStatus> {
  const factor = await findVerifiedFactor(scope);
  if (factor === undefined) return 'not_enrolled';
  try {
    const challenge = await scope.verify.createChallenge(scope.identity, factor.sid, code);
    return challenge.status === 'approved' ? 'approved' : 'pending';
  } catch (error) {
    if (error instanceof KitError && LOCKED_CODES.has(error.code)) return 'locked';
    if (error instanceof KitError && error.code === 'invalid_code') return 'pending';
    throw error;
  }
}
