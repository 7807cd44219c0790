// The HTTP caller run-function uses, injected; the default one is fetch, bounded in time and in body size.

export interface FunctionRequest {
  url: string;
  headers: Record<string, string>;
  /** application/x-www-form-urlencoded */
  body: string;
  timeoutMs: number;
  /** Read at most this many bytes of the answer, plus one to know it was longer. */
  maxBodyBytes: number;
}

export interface FunctionResponse {
  status: number;
  contentType: string | undefined;
  body: string;
  /** The body was longer than maxBodyBytes (and `body` holds only its start). */
  overLimit: boolean;
}

/** Sends one POST; rejects when there is no answer (refused, reset, timed out). */
export type HttpCaller = (request: FunctionRequest) => Promise<FunctionResponse>;

async function readCapped(response: Response, maxBytes: number): Promise<{ body: string; overLimit: boolean }> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body?.getReader();
  if (reader === undefined) return { body: '', overLimit: false };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
    if (length > maxBytes) {
      // Stop reading: a body past the limit fails the widget whatever the rest says.
      await reader.cancel();
      return { body: Buffer.concat(chunks).toString('utf8', 0, maxBytes), overLimit: true };
    }
  }
  return { body: Buffer.concat(chunks).toString('utf8'), overLimit: false };
}

/** POSTs with fetch; the timeout aborts a Function that does not answer in time. */
export const fetchHttpCaller: HttpCaller = async (request) => {
  const response = await fetch(request.url, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    redirect: 'follow',
    signal: AbortSignal.timeout(request.timeoutMs),
  });
  const { body, overLimit } = await readCapped(response, request.maxBodyBytes);
  return { status: response.status, contentType: response.headers.get('content-type') ?? undefined, body, overLimit };
};
