// Twilio's error envelope {code, message, more_info, status}: the one error type the emulator throws and renders,
// the codes every product shares, and a factory per product's own table.

/** A product's error codes: each with its HTTP status and Twilio's default message. */
export type ErrorTable = Readonly<Record<number, { readonly status: number; readonly message: string }>>;

/** Codes that belong to Twilio's API as a whole, not to one product. */
export const CORE_ERRORS = {
  20001: { status: 400, message: 'Invalid request' },
  20003: { status: 401, message: 'Authenticate' },
  20004: { status: 405, message: 'Method not allowed' },
  20404: { status: 404, message: 'The requested resource was not found' },
  20413: { status: 413, message: 'Request entity too large' },
  20500: { status: 500, message: 'Internal server error' },
} as const satisfies ErrorTable;

export type CoreErrorCode = keyof typeof CORE_ERRORS;

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export class TwilioError extends Error {
  override readonly name = 'TwilioError';

  constructor(
    readonly code: number,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }

  /** Legacy envelope only: twilio-node switches to its RFC 9457 exception when `type`/`title` strings appear. */
  toJSON(): TwilioErrorBody {
    return { code: this.code, message: this.message, more_info: `https://www.twilio.com/docs/errors/${this.code}`, status: this.status };
  }
}

/** The codes of a table as numbers (a spread of tables turns its numeric keys into strings). */
export type CodeOf<T> = { [K in keyof T]: K extends number ? K : K extends `${infer N extends number}` ? N : never }[keyof T];

/** `(code, message?) => TwilioError` over a table: the status and default message come from the table. */
export function errorsOf<T extends ErrorTable>(table: T): (code: CodeOf<T>, message?: string) => TwilioError {
  return (code, message) => {
    const known = table[code as number] as { status: number; message: string };
    return new TwilioError(code, known.status, message ?? known.message);
  };
}

export const coreError = errorsOf(CORE_ERRORS);

/** 20404 quoting the path after the API version (/v2 Verify, /v1 Sync), as in Twilio's real bodies. */
export function resourceNotFound(path: string): TwilioError {
  return coreError(20404, `The requested resource ${path.replace(/^\/v\d+(?=\/)/, '')} was not found`);
}

/** 20001 for a required form parameter that is absent, worded as Twilio words it. */
export function missingParameter(name: string): TwilioError {
  return coreError(20001, `Missing required parameter ${name} in the post body`);
}
