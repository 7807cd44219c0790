// run-function: POSTs the widget's parameters to the Function's URL, signed as Twilio signs; success on 2xx in time.
import type { JsonObject } from '../definition';
import type { FunctionResponse } from '../http';
import { renderLiquid } from '../liquid';
import { twilioSignature } from '../signing';
import { keyValues, text, type WidgetOutcome, type WidgetRunner } from './runner';

// Twilio's widget library: a 2xx answer within 10 seconds, and a body of at most 64 kB.
export const FUNCTION_TIMEOUT_MS = 10_000;
export const FUNCTION_MAX_BODY_BYTES = 64 * 1024;

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/([\w.+-]*\+)?json\b/i.test(contentType.trim());
}

/** status_code, content_type and body; `parsed` too when the answer is JSON and parses. */
function outputsOf(response: FunctionResponse): JsonObject {
  const outputs: JsonObject = { status_code: response.status, body: response.body };
  if (response.contentType !== undefined) outputs.content_type = response.contentType;
  if (isJson(response.contentType)) {
    try {
      outputs.parsed = JSON.parse(response.body) as JsonObject;
    } catch {
      // Not JSON after all: the widget keeps the text in `body` and has no `parsed`.
    }
  }
  return outputs;
}

export const runRunFunction: WidgetRunner = async (state, context, deps): Promise<WidgetOutcome> => {
  const url = text(state, 'url') ?? '';
  const params: Record<string, string> = {};
  for (const { key, value } of keyValues(state, 'parameters')) params[key] = renderLiquid(value, context);
  const started = deps.clock.now();
  let response: FunctionResponse;
  try {
    response = await deps.http({
      url,
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': twilioSignature(deps.authToken, url, params),
      },
      body: new URLSearchParams(params).toString(),
      timeoutMs: FUNCTION_TIMEOUT_MS,
      maxBodyBytes: FUNCTION_MAX_BODY_BYTES,
    });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'no answer within 10 s' : 'the Function could not be reached';
    return { event: 'fail', outputs: {}, detail: reason };
  }
  if (deps.clock.now() - started > FUNCTION_TIMEOUT_MS) return { event: 'fail', outputs: {}, detail: 'no answer within 10 s' };
  // A custom caller may not cap the body; the byte count is checked here too.
  if (response.overLimit || Buffer.byteLength(response.body, 'utf8') > FUNCTION_MAX_BODY_BYTES) {
    return { event: 'fail', outputs: { status_code: response.status }, detail: 'the answer is over 64 kB' };
  }
  const outputs = outputsOf(response);
  if (response.status < 200 || response.status > 299) return { event: 'fail', outputs, detail: `the Function answered ${response.status}` };
  return { event: 'success', outputs };
};
