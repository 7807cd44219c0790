// The simulated phone call (POST /__emulator/studio/calls): runs a published flow as a call, the caller's part
// scripted, and answers the conversation as it would be heard and the execution's end state. Not Twilio's API.
import { coreError, type TwilioError } from '../core/errors';
import type { ProductControlResult } from '../core/product';
import { CallerScriptError, scriptedCaller, transcript, type CallerPart } from './flow';
import type { FlowRecord } from './records';
import { runPublished } from './run';
import type { StudioContext } from './types';

/** The flow's own number when a call names none (a Twilio test number: it reaches no one). */
export const DEFAULT_FLOW_NUMBER = '+15005550006';
const PHONE = /^\+[1-9]\d{1,14}$/;

function badCall(message: string): TwilioError {
  return coreError(20001, message);
}

function parseCallerPart(value: unknown, index: number): CallerPart {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const part = value as Record<string, unknown>;
    if (typeof part.digits === 'string' && Object.keys(part).length === 1) return { digits: part.digits };
    if (typeof part.speech === 'string' && Object.keys(part).length === 1) return { speech: part.speech };
    if (part.timeout === true && Object.keys(part).length === 1) return { timeout: true };
  }
  throw badCall(`caller[${index}] must be {"digits": "…"}, {"speech": "…"} or {"timeout": true}`);
}

export interface CallRequest {
  flowSid: string | undefined;
  from: string;
  to: string;
  caller: CallerPart[];
}

export function parseCallRequest(text: string): CallRequest {
  let body: unknown;
  try {
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw badCall('a call takes a JSON body');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badCall('a call takes a JSON object');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !['flowSid', 'from', 'to', 'caller'].includes(key));
  if (unknown.length > 0) throw badCall(`a call has no field ${unknown.join(', ')}`);
  const { flowSid, from, to, caller } = fields;
  if (flowSid !== undefined && (typeof flowSid !== 'string' || !/^FW[0-9a-f]{32}$/.test(flowSid))) throw badCall('flowSid must be a Flow SID (FW…)');
  if (typeof from !== 'string' || !PHONE.test(from)) throw badCall('from must be the caller\'s number in E.164 (+15550100)');
  if (to !== undefined && (typeof to !== 'string' || !PHONE.test(to))) throw badCall('to must be a number in E.164');
  if (caller !== undefined && !Array.isArray(caller)) throw badCall('caller must be a list of the caller\'s parts');
  return { flowSid, from, to: to ?? DEFAULT_FLOW_NUMBER, caller: (caller ?? []).map(parseCallerPart) };
}

/** The flow a call goes to: the one named, or else the published flow saved last. */
function flowOf(ctx: StudioContext, flowSid: string | undefined): FlowRecord {
  if (flowSid !== undefined) {
    const flow = ctx.store.findFlow(flowSid);
    if (!flow) throw coreError(20404, `The requested resource /Flows/${flowSid} was not found`);
    return flow;
  }
  const published = ctx.store.listFlows().filter((flow) => flow.publishedRevision !== null);
  const latest = published.sort((a, b) => b.dateUpdated - a.dateUpdated)[0];
  if (!latest) throw coreError(20404, 'No Studio Flow is published: run npm run setup first');
  return latest;
}

export async function placeCall(ctx: StudioContext, text: string): Promise<ProductControlResult> {
  const call = parseCallRequest(text);
  const flow = flowOf(ctx, call.flowSid);
  let caller;
  try {
    caller = scriptedCaller(call.caller);
  } catch (error) {
    if (error instanceof CallerScriptError) throw badCall(error.message);
    throw error;
  }
  const { execution, result } = await runPublished(ctx, flow, { kind: 'call', from: call.from, to: call.to }, caller);
  const last = result.steps.at(-1);
  return {
    status: 200,
    body: {
      flow_sid: flow.sid,
      execution_sid: execution.sid,
      status: result.status,
      end_reason: result.endReason,
      end_detail: result.endDetail ?? null,
      ended_at: last?.transitioned_from ?? null,
      conversation: transcript(result),
      steps: result.steps.map((step) => ({ name: step.name, transitioned_from: step.transitioned_from, transitioned_to: step.transitioned_to })),
    },
  };
}
