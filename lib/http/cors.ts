// CORS: which caller origins may read the kit's answers (ALLOWED_ORIGINS, exact origins only).
import { requestHeaders, type RuntimeEvent } from './request';

/** CORS: echo the Origin only when it is on the allow-list (never `*`: these answers carry secrets). */
export function allowedOrigin(event: RuntimeEvent, allowedOrigins: ReadonlySet<string>): string | undefined {
  const origin = requestHeaders(event).origin;
  return typeof origin === 'string' && allowedOrigins.has(origin) ? origin : undefined;
}
