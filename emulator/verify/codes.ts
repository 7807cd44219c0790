// Checking a submitted TOTP code against a factor: RFC 6238 window plus the replay rule (RFC 6238 §5.2).
import { invalidParameter } from './errors';
import type { FormParams } from '../core/form';
import type { FactorRecord } from './records';
import { decodeBase32, verifyTotp } from './totp';
import type { OperationContext } from './types';

/** AuthPayload "must be between 3 and 8 characters long" (spec, Challenge create). */
export function optionalAuthPayload(params: FormParams): string | undefined {
  const payload = params.string('AuthPayload');
  if (payload !== undefined && (payload.length < 3 || payload.length > 8)) throw invalidParameter('AuthPayload');
  return payload;
}

/** Returns the factor as it must be stored after a correct code (its accepted step advanced), or undefined. */
export function acceptCode(ctx: OperationContext, factor: FactorRecord, code: string): FactorRecord | undefined {
  const key = decodeBase32(factor.secret);
  if (!key) return undefined;
  const lastAcceptedStep = ctx.switches.allowCodeReuse ? undefined : (factor.lastAcceptedStep ?? undefined);
  const result = verifyTotp(
    ctx.hmac,
    { key, algorithm: factor.config.alg, digits: factor.config.codeLength, period: factor.config.timeStep },
    code,
    ctx.clock.now(),
    factor.config.skew,
    lastAcceptedStep,
  );
  if (!result.valid) return undefined;
  return { ...factor, lastAcceptedStep: Math.max(result.step, factor.lastAcceptedStep ?? -1) };
}
