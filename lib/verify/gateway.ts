// The one module that talks to Twilio Verify: typed TOTP factor and challenge calls within the request's time budget, errors mapped to Failures.
import type twilio from 'twilio';
import type { FactorConfig, FactorStatus } from '../contract';
import { Failure, isFailure } from '../core/failures';
import { withinBudget } from '../twilio-client';
import { mapVerifyError, type TwilioCodeOverrides } from './verify-errors';

export interface TotpFactor {
  sid: string;
  friendlyName: string;
  status: FactorStatus;
  createdAt: Date;
  config: FactorConfig;
}

export interface NewTotpFactor extends TotpFactor {
  secret: string;
  uri: string;
}

export type ChallengeStatus = 'approved' | 'pending' | 'expired' | 'denied';

export interface Challenge {
  sid: string;
  status: ChallengeStatus;
}

/** Verify's calls that take no code; one identity (entity) per call, always derived by the caller of the gateway. */
export interface FactorDirectory {
  createTotpFactor(identity: string, friendlyName: string): Promise<NewTotpFactor>;
  listTotpFactors(identity: string): Promise<TotpFactor[]>;
  fetchFactor(identity: string, factorSid: string): Promise<TotpFactor>;
  deleteFactor(identity: string, factorSid: string): Promise<void>;
}

/** Verify's calls that take a code: the core reaches them only through a code check (lib/core/code-check.ts). */
export interface CodeVerifier {
  verifyFactor(identity: string, factorSid: string, code: string): Promise<FactorStatus>;
  createChallenge(identity: string, factorSid: string, code: string): Promise<Challenge>;
}

/** What the kit needs from Verify. */
export type VerifyGateway = FactorDirectory & CodeVerifier;

export interface VerifyGatewayOptions {
  serviceSid: string;
  /** Epoch ms by which every Verify call must have answered (the Function's 10 s limit, minus a margin). */
  deadline: number;
}

/** Verify allows at most 100 TOTP factors per entity, so one page holds them all. */
const FACTOR_PAGE_SIZE = 100;
const ALGORITHMS: Readonly<Record<string, FactorConfig['algorithm']>> = { sha1: 'SHA1', sha256: 'SHA256', sha512: 'SHA512' };

function badResponse(what: string): Failure {
  return new Failure('upstream_error', { logDetail: `Verify answered an unexpected ${what}` });
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw badResponse(what);
  return value as Record<string, unknown>;
}

function integer(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw badResponse(what);
  return value;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw badResponse(what);
  return value;
}

/** Verify's factor `config` is snake_case (`time_step`, `code_length`, lower-case `alg`); the kit speaks Key-Uri terms. */
function parseFactorConfig(value: unknown): FactorConfig {
  const config = record(value, 'factor config');
  const algorithm = ALGORITHMS[String(config.alg ?? 'sha1').toLowerCase()];
  if (algorithm === undefined) throw badResponse('factor algorithm');
  return {
    algorithm,
    digits: integer(config.code_length, 'factor code length'),
    period: integer(config.time_step, 'factor time step'),
    skew: integer(config.skew, 'factor skew'),
  };
}

function parseFactorStatus(value: unknown): FactorStatus {
  if (value === 'verified' || value === 'unverified') return value;
  throw badResponse('factor status');
}

interface FactorFields {
  sid: unknown;
  friendlyName: unknown;
  status: unknown;
  dateCreated: unknown;
  config: unknown;
}

function parseFactor(factor: FactorFields): TotpFactor {
  if (!(factor.dateCreated instanceof Date) || Number.isNaN(factor.dateCreated.getTime())) throw badResponse('factor date');
  return {
    sid: text(factor.sid, 'factor sid'),
    friendlyName: text(factor.friendlyName, 'factor name'),
    status: parseFactorStatus(factor.status),
    createdAt: factor.dateCreated,
    config: parseFactorConfig(factor.config),
  };
}

function parseChallengeStatus(value: unknown): ChallengeStatus {
  if (value === 'approved' || value === 'pending' || value === 'expired' || value === 'denied') return value;
  throw badResponse('challenge status');
}

/** Builds the gateway over a twilio client (from context.getTwilioClient, see lib/twilio-client.ts). */
export function createVerifyGateway(client: twilio.Twilio, options: VerifyGatewayOptions): VerifyGateway {
  const service = client.verify.v2.services(options.serviceSid);

  /** Runs one Verify call within the request's budget; every failure leaves mapped to a Failure. */
  async function call<T>(operation: string, run: () => Promise<T>, overrides?: TwilioCodeOverrides): Promise<T> {
    const exhausted = (): Failure => new Failure('upstream_timeout', { logDetail: `verify ${operation}: request time budget exhausted` });
    try {
      return await withinBudget(options.deadline, exhausted, run);
    } catch (error) {
      throw mapVerifyError(error, operation, overrides);
    }
  }

  return {
    async createTotpFactor(identity, friendlyName) {
      const factor = await call(
        'create factor',
        () => service.entities(identity).newFactors.create({ friendlyName, factorType: 'totp' }),
        // Creating a factor auto-creates the entity, so "not found" here can only mean the service does not exist.
        { 20404: 'misconfigured' },
      );
      const binding = record(factor.binding as unknown, 'factor binding');
      return { ...parseFactor(factor), secret: text(binding.secret, 'binding secret'), uri: text(binding.uri, 'binding uri') };
    },

    async listTotpFactors(identity) {
      try {
        const factors = await call('list factors', () => service.entities(identity).factors.list({ pageSize: FACTOR_PAGE_SIZE }));
        return factors.filter((factor) => factor.factorType === 'totp').map(parseFactor);
      } catch (error) {
        // A user who never enrolled has no entity yet: that is an empty list, not an error.
        if (isFailure(error, 'factor_not_found')) return [];
        throw error;
      }
    },

    async fetchFactor(identity, factorSid) {
      return parseFactor(await call('fetch factor', () => service.entities(identity).factors(factorSid).fetch()));
    },

    async verifyFactor(identity, factorSid, code) {
      const factor = await call('verify factor', () => service.entities(identity).factors(factorSid).update({ authPayload: code }));
      return parseFactorStatus(factor.status);
    },

    async deleteFactor(identity, factorSid) {
      await call('delete factor', () => service.entities(identity).factors(factorSid).remove());
    },

    async createChallenge(identity, factorSid, code) {
      const challenge = await call('create challenge', () =>
        service.entities(identity).challenges.create({ factorSid, authPayload: code }),
      );
      return { sid: text(challenge.sid, 'challenge sid'), status: parseChallengeStatus(challenge.status) };
    },
  };
}
