// Challenges (totp): CreateChallenge (optionally answered at once), FetchChallenge, ListChallenge, UpdateChallenge.
import { newSid } from '../core/crypto';
import { invalidParameter, verifyError } from './errors';
import type { FormParams } from '../core/form';
import type { ChallengeRecord } from './records';
import { renderChallenge } from './resources';
import { acceptCode, optionalAuthPayload } from './codes';
import { requireEntity, requireFactor, requireService } from './lookup';
import { pathParam } from '../core/operations';
import { listPage } from '../core/paging';
import type { OperationContext, VerifyOperation } from './types';

const FACTOR_SID = /^YF[0-9a-fA-F]{32}$/;
const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;
/** Spec: ExpirationDate defaults to 5 minutes after creation, at most 60 minutes. */
const DEFAULT_EXPIRY_MS = 5 * MINUTE_MS;
const MAX_EXPIRY_MS = 60 * MINUTE_MS;
const STATUSES = ['pending', 'expired', 'approved', 'denied'] as const;

/** `expired` is derived on every read: a pending challenge past its expiration date (60323 on answer). */
export function challengeStatus(ctx: OperationContext, challenge: ChallengeRecord): (typeof STATUSES)[number] {
  return challenge.status === 'pending' && ctx.clock.now() >= challenge.expirationDate ? 'expired' : challenge.status;
}

function expirationDate(params: FormParams, now: number): number {
  const raw = params.string('ExpirationDate');
  if (raw === undefined) return now + DEFAULT_EXPIRY_MS;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) throw invalidParameter('ExpirationDate');
  if (at <= now || at > now + MAX_EXPIRY_MS) throw verifyError(60384);
  return at;
}

/** Details.Message / Details.Fields (repeated JSON strings) and HiddenDetails, returned parsed as Verify does. */
function challengeDetails(params: FormParams): Pick<ChallengeRecord, 'details' | 'hiddenDetails'> {
  const message = params.string('Details.Message');
  const rawFields = params.strings('Details.Fields');
  if (message !== undefined && message.length > 256) throw verifyError(60368);
  const fields = rawFields.map((raw) => {
    try {
      const field: unknown = JSON.parse(raw);
      if (typeof field === 'object' && field !== null && 'label' in field && 'value' in field) return field;
    } catch {
      // reported below
    }
    throw verifyError(60368);
  });
  if (fields.length > 20) throw verifyError(60368);
  const details = message === undefined && fields.length === 0 ? null : { message: message ?? null, fields };
  return { details, hiddenDetails: params.jsonObject('HiddenDetails') ?? null };
}

/** Error 60312: codes of ≤4 digits allow 10 challenges a day; longer ones 50 an hour and 100 a day (per factor). */
function enforceCreationLimit(ctx: OperationContext, factorSid: string, codeLength: number): void {
  if (!ctx.switches.enforceRateLimits) return;
  const now = ctx.clock.now();
  const lastDay = ctx.store.countChallengesCreatedAfter(factorSid, now - 24 * HOUR_MS);
  const limited =
    codeLength <= 4 ? lastDay >= 10 : lastDay >= 100 || ctx.store.countChallengesCreatedAfter(factorSid, now - HOUR_MS) >= 50;
  if (limited) throw verifyError(60312);
}

export const challengeOperations: VerifyOperation[] = [
  {
    name: 'CreateChallenge',
    method: 'POST',
    path: '/v2/Services/{ServiceSid}/Entities/{Identity}/Challenges',
    run(ctx, request) {
      const { params } = request;
      const entity = requireEntity(ctx, request, requireService(ctx, request));
      const factorSid = params.string('FactorSid');
      if (factorSid === undefined || !FACTOR_SID.test(factorSid)) throw verifyError(60362);
      const payload = optionalAuthPayload(params);
      const now = ctx.clock.now();
      const expiresAt = expirationDate(params, now);
      const details = challengeDetails(params);
      const factor = requireFactor(ctx, entity, factorSid);
      if (factor.status !== 'verified') throw verifyError(60318);
      enforceCreationLimit(ctx, factor.sid, factor.config.codeLength);
      let challenge: ChallengeRecord = {
        sid: newSid('YC'),
        serviceSid: entity.serviceSid,
        entitySid: entity.sid,
        identity: entity.identity,
        factorSid: factor.sid,
        status: 'pending',
        respondedReason: 'none',
        ...details,
        metadata: null,
        dateCreated: now,
        dateUpdated: now,
        dateResponded: null,
        expirationDate: expiresAt,
        failedAttempts: 0,
      };
      const accepted = payload === undefined ? undefined : acceptCode(ctx, factor, payload);
      if (accepted) challenge = { ...challenge, status: 'approved', dateResponded: now };
      else if (payload !== undefined) challenge = { ...challenge, failedAttempts: 1 };
      ctx.store.saveChallenge(challenge, accepted);
      // A wrong code is not an error since Oct 2021: 201 with the challenge still pending.
      return { status: 201, body: renderChallenge(ctx.render, challenge, challengeStatus(ctx, challenge)) };
    },
  },
  {
    name: 'FetchChallenge',
    method: 'GET',
    path: '/v2/Services/{ServiceSid}/Entities/{Identity}/Challenges/{Sid}',
    run(ctx, request) {
      const entity = requireEntity(ctx, request, requireService(ctx, request));
      const challenge = ctx.store.findChallenge(pathParam(request, 'Sid'));
      if (!challenge || challenge.entitySid !== entity.sid) throw verifyError(60391);
      return { status: 200, body: renderChallenge(ctx.render, challenge, challengeStatus(ctx, challenge)) };
    },
  },
  {
    name: 'ListChallenge',
    method: 'GET',
    path: '/v2/Services/{ServiceSid}/Entities/{Identity}/Challenges',
    run(ctx, request) {
      const { params } = request;
      const entity = requireEntity(ctx, request, requireService(ctx, request));
      const factorSid = params.string('FactorSid');
      const status = params.string('Status');
      const order = params.string('Order');
      if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw invalidParameter('Status');
      if (order !== undefined && order !== 'asc' && order !== 'desc') throw invalidParameter('Order');
      let challenges = ctx.store
        .listChallenges(entity.sid)
        .filter((challenge) => factorSid === undefined || challenge.factorSid === factorSid)
        .filter((challenge) => status === undefined || challengeStatus(ctx, challenge) === status);
      // Spec: Order sorts by date_created, asc by default; creation order is insertion order.
      if (order === 'desc') challenges = challenges.reverse();
      const filters = { FactorSid: factorSid, Status: status, Order: order };
      return listPage(ctx, request, 'challenges', challenges, (c) => renderChallenge(ctx.render, c, challengeStatus(ctx, c)), filters);
    },
  },
  {
    name: 'UpdateChallenge',
    method: 'POST',
    path: '/v2/Services/{ServiceSid}/Entities/{Identity}/Challenges/{Sid}',
    run(ctx, request) {
      const entity = requireEntity(ctx, request, requireService(ctx, request));
      const current = ctx.store.findChallenge(pathParam(request, 'Sid'));
      if (!current || current.entitySid !== entity.sid) throw verifyError(60391);
      const payload = optionalAuthPayload(request.params);
      if (payload === undefined) throw invalidParameter('AuthPayload');
      const status = challengeStatus(ctx, current);
      if (status === 'expired') throw verifyError(60323);
      if (status !== 'pending') throw verifyError(60322);
      if (current.failedAttempts >= ctx.switches.maxAttempts) throw verifyError(60308);
      const factor = requireFactor(ctx, entity, current.factorSid);
      const now = ctx.clock.now();
      const accepted = acceptCode(ctx, factor, payload);
      const challenge: ChallengeRecord = accepted
        ? { ...current, status: 'approved', dateResponded: now, dateUpdated: now }
        : { ...current, failedAttempts: current.failedAttempts + 1, dateUpdated: now };
      ctx.store.saveChallenge(challenge, accepted);
      return { status: 200, body: renderChallenge(ctx.render, challenge, challengeStatus(ctx, challenge)) };
    },
  },
];
