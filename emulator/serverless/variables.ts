// Serverless Variables of an environment: CreateVariable, FetchVariable, ListVariable, UpdateVariable (a POST, as
// twilio-run sends it), DeleteVariable. A deployment takes the environment's variables as they are at that moment.
import { newSid } from '../core/crypto';
import { missingParameter, resourceNotFound } from '../core/errors';
import type { FormParams } from '../core/form';
import { pathParam } from '../core/operations';
import { listPage } from '../core/paging';
import { invalidServerlessParameter, refusal } from './errors';
import { requireEnvironment } from './lookup';
import { optionalText, requiredText } from './params';
import type { VariableRecord } from './records';
import { renderVariable } from './resources';
import type { ServerlessContext, ServerlessOperation, ServerlessRequest } from './types';

/** The OpenAPI description's limits: a Key of at most 128 characters, a Value of at most 450 bytes. */
const MAX_KEY = 128;
const MAX_VALUE_BYTES = 450;

function requireVariable(ctx: ServerlessContext, request: ServerlessRequest): VariableRecord {
  const environment = requireEnvironment(ctx, request);
  const variable = ctx.store.findVariable(environment.sid, pathParam(request, 'Sid'));
  if (variable === undefined) throw resourceNotFound(request.pathname);
  return variable;
}

function refuseTakenKey(ctx: ServerlessContext, environmentSid: string, key: string, own?: string): void {
  const holder = ctx.store.findVariableByKey(environmentSid, key);
  if (holder !== undefined && holder.sid !== own) throw refusal(`Variable with Key ${key} already exists`);
}

/** The Value parameter; an empty one is a value (twilio-run never sends one, but the API takes it). */
function valueOf(params: FormParams): string | undefined {
  const raw = params.string('Value');
  if (raw !== undefined && Buffer.byteLength(raw, 'utf8') > MAX_VALUE_BYTES) throw invalidServerlessParameter('Value');
  return raw;
}

export const variableOperations: ServerlessOperation[] = [
  {
    name: 'CreateVariable',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Variables',
    run(ctx, request) {
      const environment = requireEnvironment(ctx, request);
      const key = requiredText(request.params, 'Key', MAX_KEY);
      const text = valueOf(request.params);
      if (text === undefined) throw missingParameter('Value');
      refuseTakenKey(ctx, environment.sid, key);
      const now = ctx.clock.now();
      const variable: VariableRecord = { sid: newSid('ZV'), serviceSid: environment.serviceSid, environmentSid: environment.sid, key, value: text, dateCreated: now, dateUpdated: now };
      ctx.store.saveVariable(variable);
      return { status: 201, body: renderVariable(ctx.render, variable) };
    },
  },
  {
    name: 'FetchVariable',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Variables/{Sid}',
    run(ctx, request) {
      return { status: 200, body: renderVariable(ctx.render, requireVariable(ctx, request)) };
    },
  },
  {
    name: 'ListVariable',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Variables',
    run(ctx, request) {
      const environment = requireEnvironment(ctx, request);
      return listPage(ctx, request, 'variables', ctx.store.listVariables(environment.sid), (variable) => renderVariable(ctx.render, variable));
    },
  },
  {
    name: 'UpdateVariable',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Variables/{Sid}',
    run(ctx, request) {
      const current = requireVariable(ctx, request);
      const key = optionalText(request.params, 'Key', MAX_KEY) ?? current.key;
      refuseTakenKey(ctx, current.environmentSid, key, current.sid);
      const variable: VariableRecord = { ...current, key, value: valueOf(request.params) ?? current.value, dateUpdated: ctx.clock.now() };
      ctx.store.saveVariable(variable);
      return { status: 200, body: renderVariable(ctx.render, variable) };
    },
  },
  {
    name: 'DeleteVariable',
    method: 'DELETE',
    path: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Variables/{Sid}',
    run(ctx, request) {
      ctx.store.deleteVariable(requireVariable(ctx, request).sid);
      return { status: 204 };
    },
  },
];
