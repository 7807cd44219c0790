// The kit's one error type: an expected failure with an HTTP status and a stable snake_case code for callers.

export interface KitErrorOptions {
  /** Seconds a client should wait before retrying (sent as Retry-After on 429/503). */
  retryAfterSeconds?: number;
  /** The underlying failure, kept for the code that handles it; never shown to the caller. */
  cause?: unknown;
  /** A secret-free description for the log line (what failed, which upstream code), never shown to the caller. */
  logDetail?: string;
  /** Extra members of the body's `error` object (e.g. a lock's retryAfterSeconds), next to code and message. */
  bodyFields?: Readonly<Record<string, number>>;
  /** An expected refusal: no log line even when its status would normally get one (429). */
  quiet?: boolean;
}

/** Thrown for bad input, refused authorization, misconfiguration or upstream failure; rendered in lib/http.ts. */
export class KitError extends Error {
  override readonly name = 'KitError';
  readonly retryAfterSeconds: number | undefined;
  readonly logDetail: string | undefined;
  readonly bodyFields: Readonly<Record<string, number>> | undefined;
  readonly quiet: boolean;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: KitErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.logDetail = options.logDetail;
    this.bodyFields = options.bodyFields;
    this.quiet = options.quiet ?? false;
  }
}

/**
 * A missing or malformed environment variable. The caller sees a generic 500; the log names the variable
 * (never its value), so the operator knows what to fix.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`configuration error: ${variable} ${problem}`);
  }
}
