// Path lookups of Studio's operations: the flow, its revision and execution named in the path (20404 when unknown).
import { resourceNotFound } from '../core/errors';
import { pathParam, type OperationRequest } from '../core/operations';
import type { ExecutionRecord, FlowRecord, RevisionRecord } from './records';
import type { StudioContext } from './types';

export function requireFlow(ctx: StudioContext, request: OperationRequest, param = 'Sid'): FlowRecord {
  const flow = ctx.store.findFlow(pathParam(request, param));
  if (!flow) throw resourceNotFound(request.pathname);
  return flow;
}

/** The flow's latest revision (always there: a flow is saved with its first revision). */
export function latestRevision(ctx: StudioContext, flow: FlowRecord): RevisionRecord {
  const revision = ctx.store.findRevision(flow.sid, flow.revision);
  if (!revision) throw new Error(`flow ${flow.sid} has no revision ${flow.revision}`);
  return revision;
}

/** A revision by number, or Studio's names LatestPublished and LatestRevision. */
export function requireRevision(ctx: StudioContext, request: OperationRequest, flow: FlowRecord): RevisionRecord {
  const ref = pathParam(request, 'Revision');
  const number = ref === 'LatestRevision' ? flow.revision : ref === 'LatestPublished' ? flow.publishedRevision : /^\d{1,9}$/.test(ref) ? Number(ref) : null;
  const revision = number === null ? undefined : ctx.store.findRevision(flow.sid, number);
  if (!revision) throw resourceNotFound(request.pathname);
  return revision;
}

export function requireExecution(ctx: StudioContext, request: OperationRequest, flow: FlowRecord, param: string): ExecutionRecord {
  const execution = ctx.store.findExecution(flow.sid, pathParam(request, param));
  if (!execution) throw resourceNotFound(request.pathname);
  return execution;
}
