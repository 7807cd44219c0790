// Serverless Logs: what the deployed Functions of an environment printed, newest first (serverless-api's log stream
// reverses each page), filtered by FunctionSid, StartDate and EndDate as `twilio-run logs` asks.
import { resourceNotFound } from '../core/errors';
import type { FormParams } from '../core/form';
import { pathParam } from '../core/operations';
import { listPage } from '../core/paging';
import { invalidServerlessParameter } from './errors';
import { requireEnvironment } from './lookup';
import { renderLog } from './resources';
import type { ServerlessOperation } from './types';

function dateParam(params: FormParams, name: string): number | undefined {
  const raw = params.string(name);
  if (raw === undefined) return undefined;
  const at = Date.parse(raw);
  if (!Number.isFinite(at)) throw invalidServerlessParameter(name);
  return at;
}

export const logOperations: ServerlessOperation[] = [
  {
    name: 'ListLog',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Logs',
    run(ctx, request) {
      const environment = requireEnvironment(ctx, request);
      const { params } = request;
      const functionSid = params.string('FunctionSid');
      const start = dateParam(params, 'StartDate');
      const end = dateParam(params, 'EndDate');
      const logs = ctx.store
        .listLogs(environment.sid)
        .filter((log) => (functionSid === undefined || log.functionSid === functionSid) && (start === undefined || log.dateCreated >= start) && (end === undefined || log.dateCreated <= end))
        .reverse();
      const filters = { FunctionSid: functionSid, StartDate: params.string('StartDate'), EndDate: params.string('EndDate') };
      return listPage(ctx, request, 'logs', logs, (log) => renderLog(ctx.render, log), filters);
    },
  },
  {
    name: 'FetchLog',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Logs/{Sid}',
    run(ctx, request) {
      const environment = requireEnvironment(ctx, request);
      const log = ctx.store.findLog(environment.sid, pathParam(request, 'Sid'));
      if (log === undefined) throw resourceNotFound(request.pathname);
      return { status: 200, body: renderLog(ctx.render, log) };
    },
  },
];
