// Flows: CreateFlow, UpdateFlow (each save a new revision), FetchFlow, ListFlow, DeleteFlow, the Revisions, Validate.
import { newSid } from '../core/crypto';
import { missingParameter } from '../core/errors';
import type { FormParams } from '../core/form';
import { listPage } from '../core/paging';
import { invalidStudioParameter, studioRefusal } from './errors';
import { validateFlow, type FlowValidation } from './flow';
import { latestRevision, requireFlow, requireRevision } from './lookup';
import type { FlowRecord, FlowStatus, RevisionRecord } from './records';
import { renderFlow, renderRevision } from './resources';
import type { StudioContext, StudioOperation } from './types';

function parseStatus(params: FormParams, required: boolean): FlowStatus | undefined {
  const status = params.string('Status');
  if (status === undefined) {
    if (required) throw missingParameter('Status');
    return undefined;
  }
  if (status !== 'draft' && status !== 'published') throw invalidStudioParameter('Status');
  return status;
}

/** `Definition`: JSON text (twilio-node stringifies the object it is given). */
function parseDefinition(params: FormParams, required: boolean): unknown {
  const raw = params.string('Definition');
  if (raw === undefined) {
    if (required) throw missingParameter('Definition');
    return undefined;
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw invalidStudioParameter('Definition');
  }
}

function parseFriendlyName(params: FormParams, required: boolean): string | undefined {
  const name = params.string('FriendlyName');
  if (name === undefined && required) throw missingParameter('FriendlyName');
  if (name !== undefined && (name.length === 0 || name.length > 255)) throw invalidStudioParameter('FriendlyName');
  return name;
}

/** Studio keeps an invalid flow as a draft, but will not publish one: the message lists what is wrong, and where. */
function refuseInvalid(validation: FlowValidation): never {
  const where = validation.errors.map((issue) => `${issue.property_path}: ${issue.message}`).join('; ');
  throw studioRefusal(`Invalid Flow definition: ${where}`);
}

/** Saves `fields` as the flow's next revision (the first, for a new flow). */
function saveRevision(
  ctx: StudioContext,
  current: FlowRecord | undefined,
  fields: { friendlyName: string; status: FlowStatus; definition: unknown; commitMessage: string | null },
): FlowRecord {
  const validation = validateFlow(fields.definition);
  if (fields.status === 'published' && !validation.valid) refuseInvalid(validation);
  const now = ctx.clock.now();
  const sid = current?.sid ?? newSid('FW');
  const number = (current?.revision ?? 0) + 1;
  const revision: RevisionRecord = { flowSid: sid, revision: number, ...fields, valid: validation.valid, errors: validation.errors, warnings: validation.warnings, dateCreated: now };
  const flow: FlowRecord = {
    sid,
    revision: number,
    publishedRevision: fields.status === 'published' ? number : (current?.publishedRevision ?? null),
    dateCreated: current?.dateCreated ?? now,
    dateUpdated: now,
  };
  ctx.store.saveFlow(flow, revision);
  return flow;
}

function flowResult(ctx: StudioContext, status: number, flow: FlowRecord) {
  return { status, body: renderFlow(ctx.render, flow, latestRevision(ctx, flow)) };
}

/** Validate comes first: its path would otherwise read as UpdateFlow of a flow named Validate. */
export const flowOperations: StudioOperation[] = [
  {
    name: 'UpdateFlowValidate',
    method: 'POST',
    path: '/v2/Flows/Validate',
    run(ctx, { params }) {
      parseFriendlyName(params, true);
      parseStatus(params, true);
      const validation = validateFlow(parseDefinition(params, true));
      if (!validation.valid) refuseInvalid(validation);
      return { status: 200, body: { valid: true } };
    },
  },
  {
    name: 'CreateFlow',
    method: 'POST',
    path: '/v2/Flows',
    run(ctx, { params }) {
      const friendlyName = parseFriendlyName(params, true) as string;
      const status = parseStatus(params, true) as FlowStatus;
      const definition = parseDefinition(params, true);
      const flow = saveRevision(ctx, undefined, { friendlyName, status, definition, commitMessage: params.string('CommitMessage') ?? null });
      return flowResult(ctx, 201, flow);
    },
  },
  {
    name: 'UpdateFlow',
    method: 'POST',
    path: '/v2/Flows/{Sid}',
    run(ctx, request) {
      const { params } = request;
      const flow = requireFlow(ctx, request);
      const latest = latestRevision(ctx, flow);
      const status = parseStatus(params, true) as FlowStatus;
      const friendlyName = parseFriendlyName(params, false) ?? latest.friendlyName;
      const definition = parseDefinition(params, false) ?? latest.definition;
      const updated = saveRevision(ctx, flow, { friendlyName, status, definition, commitMessage: params.string('CommitMessage') ?? null });
      return flowResult(ctx, 200, updated);
    },
  },
  {
    name: 'FetchFlow',
    method: 'GET',
    path: '/v2/Flows/{Sid}',
    run: (ctx, request) => flowResult(ctx, 200, requireFlow(ctx, request)),
  },
  {
    name: 'ListFlow',
    method: 'GET',
    path: '/v2/Flows',
    run(ctx, request) {
      return listPage(ctx, request, 'flows', ctx.store.listFlows(), (flow) => renderFlow(ctx.render, flow, latestRevision(ctx, flow)));
    },
  },
  {
    name: 'DeleteFlow',
    method: 'DELETE',
    path: '/v2/Flows/{Sid}',
    run(ctx, request) {
      ctx.store.deleteFlow(requireFlow(ctx, request).sid);
      return { status: 204 };
    },
  },
  {
    name: 'ListFlowRevision',
    method: 'GET',
    path: '/v2/Flows/{Sid}/Revisions',
    run(ctx, request) {
      const flow = requireFlow(ctx, request);
      return listPage(ctx, request, 'revisions', ctx.store.listRevisions(flow.sid), (revision) => renderRevision(ctx.render, flow, revision));
    },
  },
  {
    name: 'FetchFlowRevision',
    method: 'GET',
    path: '/v2/Flows/{Sid}/Revisions/{Revision}',
    run(ctx, request) {
      const flow = requireFlow(ctx, request);
      return { status: 200, body: renderRevision(ctx.render, flow, requireRevision(ctx, request, flow)) };
    },
  },
];
