// Shared fixtures for the Sync suites: raw HTTP (for headers the twilio client hides) and error capture.
import type { TestEmulator } from '../helpers/emulator';

export interface RawResponse {
  status: number;
  /** The ETag header, when sent. */
  etag: string | null;
  body: unknown;
}

/** One request straight over HTTP with the emulator's Basic auth; `form` becomes a form-encoded body. */
export async function rawRequest(
  emulator: TestEmulator,
  method: string,
  path: string,
  form?: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...headers,
    },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  const text = await response.text();
  return { status: response.status, etag: response.headers.get('etag'), body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Settles every call and sorts the outcomes: fulfilled values, and the status/code of each RestException. */
export async function outcomes<T>(calls: Array<() => Promise<T>>): Promise<{ ok: T[]; failed: Array<{ status: number; code: number }> }> {
  const settled = await Promise.allSettled(calls.map((call) => call()));
  const ok: T[] = [];
  const failed: Array<{ status: number; code: number }> = [];
  for (const result of settled) {
    if (result.status === 'fulfilled') ok.push(result.value);
    else failed.push({ status: (result.reason as { status: number }).status, code: (result.reason as { code: number }).code });
  }
  return { ok, failed };
}
