// Executions (REST-triggered, with To, From and Parameters), their Context, Steps and Step Context.
import { missingParameter, resourceNotFound } from '../core/errors';
import { pathParam } from '../core/operations';
import { listPage } from '../core/paging';
import { invalidStudioParameter } from './errors';
import type { JsonObject } from './flow';
import { requireExecution, requireFlow } from './lookup';
import { renderExecution, renderExecutionContext, renderStep, renderStepContext } from './resources';
import { runPublished } from './run';
import type { StudioOperation } from './types';

function parseParameters(raw: string | undefined): JsonObject {
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidStudioParameter('Parameters');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidStudioParameter('Parameters');
  return parsed as JsonObject;
}

export const executionOperations: StudioOperation[] = [
  {
    name: 'CreateExecution',
    method: 'POST',
    path: '/v2/Flows/{FlowSid}/Executions',
    async run(ctx, request) {
      const { params } = request;
      const flow = requireFlow(ctx, request, 'FlowSid');
      const to = params.string('To');
      const from = params.string('From');
      if (to === undefined || to === '') throw missingParameter('To');
      if (from === undefined || from === '') throw missingParameter('From');
      const parameters = parseParameters(params.string('Parameters'));
      const { execution } = await runPublished(ctx, flow, { kind: 'request', from, to, parameters });
      return { status: 201, body: renderExecution(ctx.render, execution) };
    },
  },
  {
    name: 'ListExecution',
    method: 'GET',
    path: '/v2/Flows/{FlowSid}/Executions',
    run(ctx, request) {
      const flow = requireFlow(ctx, request, 'FlowSid');
      return listPage(ctx, request, 'executions', ctx.store.listExecutions(flow.sid), (execution) => renderExecution(ctx.render, execution));
    },
  },
  {
    name: 'FetchExecution',
    method: 'GET',
    path: '/v2/Flows/{FlowSid}/Executions/{Sid}',
    run(ctx, request) {
      const flow = requireFlow(ctx, request, 'FlowSid');
      return { status: 200, body: renderExecution(ctx.render, requireExecution(ctx, request, flow, 'Sid')) };
    },
  },
  {
    name: 'UpdateExecution',
    method: 'POST',
    path: '/v2/Flows/{FlowSid}/Executions/{Sid}',
    run(ctx, request) {
      const flow = requireFlow(ctx, request, 'FlowSid');
      const execution = requireExecution(ctx, request, flow, 'Sid');
      // Only `ended` may be set; the engine runs every execution to its end, so this changes nothing else.
      const status = request.params.string('Status');
      if (status === undefined) throw missingParameter('Status');
      if (status !== 'ended') throw invalidStudioParameter('Status');
      const ended = { ...execution, status: 'ended' as const, dateUpdated: ctx.clock.now() };
      ctx.store.saveExecution(ended);
      return { status: 200, body: renderExecution(ctx.render, ended) };
    },
  },
  {
    name: 'DeleteExecution',
    method: 'DELETE',
    path: '/v2/Flows/{FlowSid}/Executions/{Sid}',
    run(ctx, request) {
      const flow = requireFlow(ctx, request, 'FlowSid');
      ctx.store.deleteExecution(requireExecution(ctx, request, flow, 'Sid').sid);
      return { status: 204 };
    },
  },
  {
    name: 'FetchExecutionContext',
    method: 'GET',
    path: '/v2/Flows/{FlowSid}/Executions/{ExecutionSid}/Context',
    run(ctx, request) {
      const flow = requireFlow(ctx, request, 'FlowSid');
      return { status: 200, body: renderExecutionContext(ctx.render, requireExecution(ctx, request, flow, 'ExecutionSid')) };
    },
  },
  {
    name: 'ListExecutionStep',
    method: 'GET',
    path: '/v2/Flows/{FlowSid}/Executions/{ExecutionSid}/Steps',
    run(ctx, request) {
      const flow = requireFlow(ctx, request, 'FlowSid');
      const execution = requireExecution(ctx, request, flow, 'ExecutionSid');
      return listPage(ctx, request, 'steps', execution.steps, (step) => renderStep(ctx.render, execution, step));
    },
  },
  {
    name: 'FetchExecutionStep',
    method: 'GET',
    path: '/v2/Flows/{FlowSid}/Executions/{ExecutionSid}/Steps/{Sid}',
    run(ctx, request) {
      const flow = requireFlow(ctx, request, 'FlowSid');
      const execution = requireExecution(ctx, request, flow, 'ExecutionSid');
      const step = execution.steps.find((candidate) => candidate.sid === pathParam(request, 'Sid'));
      if (!step) throw resourceNotFound(request.pathname);
      return { status: 200, body: renderStep(ctx.render, execution, step) };
    },
  },
  {
    name: 'FetchExecutionStepContext',
    method: 'GET',
    path: '/v2/Flows/{FlowSid}/Executions/{ExecutionSid}/Steps/{StepSid}/Context',
    run(ctx, request) {
      const flow = requireFlow(ctx, request, 'FlowSid');
      const execution = requireExecution(ctx, request, flow, 'ExecutionSid');
      const step = execution.steps.find((candidate) => candidate.sid === pathParam(request, 'StepSid'));
      if (!step) throw resourceNotFound(request.pathname);
      return { status: 200, body: renderStepContext(ctx.render, execution, step) };
    },
  },
];
