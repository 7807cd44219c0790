// Factors (totp): CreateNewFactor, FetchFactor, ListFactor, UpdateFactor (verifies with AuthPayload), DeleteFactor.
import { newSid } from '../core/crypto';
import { newSecretBytes } from './crypto';
import { invalidParameter, verifyError } from './errors';
import type { FormParams } from '../core/form';
import type { FactorRecord, ServiceRecord, TotpConfig } from './records';
import { renderFactor, renderNewFactor } from './resources';
import { decodeBase32, encodeBase32, type TotpAlgorithm } from './totp';
import { acceptCode, optionalAuthPayload } from './codes';
import { newEntity } from './entities';
import { agedOutFactorSids, liveFactors, requireEntity, requireFactor, requireService, requireValidIdentity } from './lookup';
import { pathParam } from '../core/operations';
import { listPage } from '../core/paging';
import type { VerifyOperation } from './types';

const MAX_FRIENDLY_NAME = 64;
/** Error 60315: at most 100 totp factors per entity. */
const MAX_TOTP_FACTORS_PER_ENTITY = 100;
/** Error 60326: at most 100 factor creations per entity per day. */
const MAX_FACTOR_CREATIONS_PER_DAY = 100;
const DAY_MS = 24 * 60 * 60 * 1000;
const ALGORITHMS: readonly TotpAlgorithm[] = ['sha1', 'sha256', 'sha512'];
/** Global defaults when neither the request nor the service says otherwise. */
const DEFAULT_CONFIG: TotpConfig = { alg: 'sha1', timeStep: 30, codeLength: 6, skew: 1 };

function configInteger(params: FormParams, name: string, min: number, max: number): number | undefined {
  const value = params.integer(name, () => verifyError(60370, `Factor config invalid or not provided: ${name}`));
  if (value !== undefined && (value < min || value > max)) throw verifyError(60370, `Factor config invalid or not provided: ${name}`);
  return value;
}

/** Request Config.X, then `fallback` (service settings on create, the factor's own on update). 60370 when out of range. */
function resolveConfig(params: FormParams, fallback: TotpConfig): TotpConfig {
  const alg = params.string('Config.Alg');
  if (alg !== undefined && !ALGORITHMS.includes(alg as TotpAlgorithm)) {
    throw verifyError(60370, 'Factor config invalid or not provided: Config.Alg');
  }
  return {
    alg: (alg as TotpAlgorithm | undefined) ?? fallback.alg,
    timeStep: configInteger(params, 'Config.TimeStep', 20, 60) ?? fallback.timeStep,
    codeLength: configInteger(params, 'Config.CodeLength', 3, 8) ?? fallback.codeLength,
    skew: configInteger(params, 'Config.Skew', 0, 2) ?? fallback.skew,
  };
}

function serviceDefaults(service: ServiceRecord): TotpConfig {
  return {
    alg: DEFAULT_CONFIG.alg,
    timeStep: service.totp.timeStep ?? DEFAULT_CONFIG.timeStep,
    codeLength: service.totp.codeLength ?? DEFAULT_CONFIG.codeLength,
    skew: service.totp.skew ?? DEFAULT_CONFIG.skew,
  };
}

function friendlyName(params: FormParams, required: boolean): string | undefined {
  const name = params.string('FriendlyName');
  if (name === undefined && !required) return undefined;
  if (name === undefined || name.trim().length === 0 || name.length > MAX_FRIENDLY_NAME) throw invalidParameter('FriendlyName');
  return name;
}

/** RFC 4226 §4 (R6): the shared secret MUST be at least 128 bits. */
const MIN_SECRET_BYTES = 16;

/** Binding.Secret imports an existing Base32 secret; otherwise 20 random bytes are generated. */
function bindingSecret(params: FormParams): string {
  const imported = params.string('Binding.Secret');
  if (imported === undefined) return encodeBase32(newSecretBytes());
  // Kept as given (minus spaces and padding), so binding.secret echoes what the caller imported.
  const secret = imported.replace(/\s+/g, '').replace(/=+$/, '').toUpperCase();
  const key = decodeBase32(secret);
  if (!key || key.length < MIN_SECRET_BYTES || key.length > 128) throw verifyError(60314);
  return secret;
}

export const factorOperations: VerifyOperation[] = [
  {
    name: 'CreateNewFactor',
    method: 'POST',
    path: '/v2/Services/{ServiceSid}/Entities/{Identity}/Factors',
    run(ctx, request) {
      const { params } = request;
      const service = requireService(ctx, request);
      const identity = requireValidIdentity(ctx, pathParam(request, 'Identity'));
      const factorType = params.string('FactorType');
      if (factorType !== 'totp') {
        throw verifyError(60369, factorType === 'push' ? 'Factor type invalid or not provided: the emulator serves totp only' : undefined);
      }
      const name = friendlyName(params, true) ?? '';
      const config = resolveConfig(params, serviceDefaults(service));
      const secret = bindingSecret(params);
      const metadata = params.jsonObject('Metadata') ?? null;
      const now = ctx.clock.now();
      const existing = ctx.store.findEntity(service.sid, identity);
      const entity = existing ?? newEntity(service.sid, identity, now);
      const recent = entity.recentFactorCreations.filter((at) => at > now - DAY_MS);
      if (ctx.switches.enforceRateLimits && recent.length >= MAX_FACTOR_CREATIONS_PER_DAY) throw verifyError(60326);
      if (existing && liveFactors(ctx, existing).length >= MAX_TOTP_FACTORS_PER_ENTITY) throw verifyError(60315);
      const factor: FactorRecord = {
        sid: newSid('YF'),
        serviceSid: service.sid,
        entitySid: entity.sid,
        identity: entity.identity,
        friendlyName: name,
        secret,
        status: 'unverified',
        config,
        metadata,
        dateCreated: now,
        dateUpdated: now,
        failedAttempts: 0,
        lastAcceptedStep: null,
      };
      // Aged-out factors go in the same journal line, so they cannot pile up (reads never delete them).
      const agedOut = existing ? agedOutFactorSids(ctx, existing) : [];
      ctx.store.createFactor({ ...entity, recentFactorCreations: [...recent, now] }, factor, agedOut);
      // Key-Uri issuer: the service's Totp.Issuer, else its friendly name (spec).
      return { status: 201, body: renderNewFactor(ctx.render, factor, service.totp.issuer ?? service.friendlyName) };
    },
  },
  {
    name: 'FetchFactor',
    method: 'GET',
    path: '/v2/Services/{ServiceSid}/Entities/{Identity}/Factors/{Sid}',
    run(ctx, request) {
      const entity = requireEntity(ctx, request, requireService(ctx, request));
      return { status: 200, body: renderFactor(ctx.render, requireFactor(ctx, entity, pathParam(request, 'Sid'))) };
    },
  },
  {
    name: 'ListFactor',
    method: 'GET',
    path: '/v2/Services/{ServiceSid}/Entities/{Identity}/Factors',
    run(ctx, request) {
      const entity = requireEntity(ctx, request, requireService(ctx, request));
      return listPage(ctx, request, 'factors', liveFactors(ctx, entity), (factor) => renderFactor(ctx.render, factor));
    },
  },
  {
    name: 'UpdateFactor',
    method: 'POST',
    path: '/v2/Services/{ServiceSid}/Entities/{Identity}/Factors/{Sid}',
    run(ctx, request) {
      const { params } = request;
      const entity = requireEntity(ctx, request, requireService(ctx, request));
      const current = requireFactor(ctx, entity, pathParam(request, 'Sid'));
      const payload = optionalAuthPayload(params);
      let factor: FactorRecord = {
        ...current,
        friendlyName: friendlyName(params, false) ?? current.friendlyName,
        config: resolveConfig(params, current.config),
        dateUpdated: ctx.clock.now(),
      };
      // Only enrolment is checked: a code sent to a verified factor changes nothing (Twilio documents no error).
      if (payload !== undefined && factor.status === 'unverified') {
        if (factor.failedAttempts >= ctx.switches.maxAttempts) throw verifyError(60310);
        const accepted = acceptCode(ctx, factor, payload);
        // Since Oct 2021 a wrong code is not an error: 200 with status still unverified.
        factor = accepted ? { ...accepted, status: 'verified', failedAttempts: 0 } : { ...factor, failedAttempts: factor.failedAttempts + 1 };
      }
      ctx.store.updateFactor(factor);
      return { status: 200, body: renderFactor(ctx.render, factor) };
    },
  },
  {
    name: 'DeleteFactor',
    method: 'DELETE',
    path: '/v2/Services/{ServiceSid}/Entities/{Identity}/Factors/{Sid}',
    run(ctx, request) {
      const entity = requireEntity(ctx, request, requireService(ctx, request));
      ctx.store.deleteFactor(requireFactor(ctx, entity, pathParam(request, 'Sid')).sid);
      return { status: 204 };
    },
  },
];
