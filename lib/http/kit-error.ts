// The one error type of the HTTP edge: a code of the error list (./error-codes.ts), rendered by ./respond.ts's fail().
// The core throws its own Failure kinds (lib/core/failures.ts) and config a ConfigError; the edge turns both into answers.
import { errorSpec, type ErrorCode } from './error-codes';

export interface KitErrorOptions {
  /** A message more precise than the list's (which field is wrong, which limit was hit); never request data. */
  message?: string;
  /** The upstream could not be reached at all: the code's unreachable status (auth_keys_unavailable's 503). */
  unreachable?: boolean;
  /** Seconds a client should wait before retrying (sent as Retry-After). */
  retryAfterSeconds?: number;
  /** The underlying failure, kept for the code that handles it; never shown to the caller. */
  cause?: unknown;
  /** A secret-free description for the log line (what failed, which upstream code), never shown to the caller. */
  logDetail?: string;
}

/** Thrown at the edge for bad input, refused authorization or a core failure; its status and body come from the list. */
export class KitError extends Error {
  override readonly name = 'KitError';
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  readonly logDetail: string | undefined;
  /** Members of the body's `error` object next to code and message: the list says which codes carry retryAfterSeconds. */
  readonly bodyFields: Readonly<Record<string, number>> | undefined;
  /** An expected refusal: no log line even when its status would normally get one. */
  readonly quiet: boolean;

  constructor(
    readonly code: ErrorCode,
    options: KitErrorOptions = {},
  ) {
    const spec = errorSpec(code);
    super(options.message ?? spec.message, { cause: options.cause });
    this.status = options.unreachable === true ? (spec.unreachableStatus ?? spec.status) : spec.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.logDetail = options.logDetail;
    this.bodyFields = spec.retryAfterSeconds === true && options.retryAfterSeconds !== undefined ? { retryAfterSeconds: options.retryAfterSeconds } : undefined;
    this.quiet = spec.quiet === true;
  }
}
