// Resolving path parameters to live records, with Verify's not-found and validation codes.
import { pathParam, requireServiceAt, type OperationRequest } from '../core/operations';
import { verifyError } from './errors';
import type { EntityRecord, FactorRecord, ServiceRecord } from './records';
import type { OperationContext } from './types';

const SERVICE_SID = /^VA[0-9a-fA-F]{32}$/;
const STRICT_IDENTITY = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;
const LENIENT_IDENTITY = /^[A-Za-z0-9-]+$/;

/** The service in {ServiceSid} (or {Sid}); unknown services are an unknown path to Twilio (20404). */
export function requireService(ctx: OperationContext, request: OperationRequest, param = 'ServiceSid'): ServiceRecord {
  return requireServiceAt(request, param, (sid) => (SERVICE_SID.test(sid) ? ctx.store.findService(sid) : undefined));
}

/** Identity rules from the spec: 8–64 dash-separated alphanumerics, no personal data (60367). */
export function requireValidIdentity(ctx: OperationContext, identity: string | undefined): string {
  const pattern = ctx.switches.strictIdentityFormat ? STRICT_IDENTITY : LENIENT_IDENTITY;
  if (identity === undefined || identity.length < 8 || identity.length > 64 || !pattern.test(identity)) {
    throw verifyError(60367);
  }
  return identity;
}

export function requireEntity(ctx: OperationContext, request: OperationRequest, service: ServiceRecord): EntityRecord {
  const identity = requireValidIdentity(ctx, pathParam(request, 'Identity'));
  const entity = ctx.store.findEntity(service.sid, identity);
  if (!entity) throw verifyError(60392);
  return entity;
}

/**
 * Twilio deletes unverified factors "1 to 24 hours after creation"; the TTL is a switch. Like a challenge's expiry,
 * this is worked out from the clock on every read and never written by one: an aged-out factor reads as absent and is
 * deleted for good by the next factor creation for its entity, or by compaction (docs/emulator.md, "Reads never write").
 */
export function isAgedOut(ctx: Pick<OperationContext, 'clock' | 'switches'>, factor: FactorRecord): boolean {
  return factor.status === 'unverified' && ctx.clock.now() >= factor.dateCreated + ctx.switches.unverifiedFactorTtlSeconds * 1000;
}

/** The entity's factors that have not aged out. */
export function liveFactors(ctx: OperationContext, entity: EntityRecord): FactorRecord[] {
  return ctx.store.listFactors(entity.sid).filter((factor) => !isAgedOut(ctx, factor));
}

/** SIDs of the entity's aged-out factors, for a write to delete along with its own changes. */
export function agedOutFactorSids(ctx: OperationContext, entity: EntityRecord): string[] {
  return ctx.store
    .listFactors(entity.sid)
    .filter((factor) => isAgedOut(ctx, factor))
    .map((factor) => factor.sid);
}

/** The entity's factor `sid`; unknown, foreign or aged-out factors are 60390. */
export function requireFactor(ctx: OperationContext, entity: EntityRecord, sid: string): FactorRecord {
  const factor = ctx.store.findFactor(sid);
  if (!factor || factor.entitySid !== entity.sid || isAgedOut(ctx, factor)) throw verifyError(60390);
  return factor;
}
