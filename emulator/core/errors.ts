// Twilio's error envelope {code, message, more_info, status}: the one error type the emulator throws and renders.

/** HTTP status and default message of every Twilio error code the emulator produces. */
export const TWILIO_ERRORS = {
  20001: { status: 400, message: 'Invalid request' },
  20003: { status: 401, message: 'Authenticate' },
  20004: { status: 405, message: 'Method not allowed' },
  20404: { status: 404, message: 'The requested resource was not found' },
  20413: { status: 413, message: 'Request entity too large' },
  20500: { status: 500, message: 'Internal server error' },
  60200: { status: 400, message: 'Invalid parameter' },
  60301: { status: 409, message: 'Entity already exists' },
  60308: { status: 429, message: 'Challenge verification attempts limit reached' },
  60310: { status: 429, message: 'Factor verification attempts reached' },
  60312: { status: 429, message: 'Challenge creation limit reached' },
  60314: { status: 400, message: 'Factors binding format is invalid' },
  60315: { status: 400, message: 'Reached max limit of 100 totp Factors associated per Entity' },
  60318: { status: 403, message: 'Factor is unverified' },
  60322: { status: 403, message: 'Challenge already responded' },
  60323: { status: 403, message: 'Challenge expired' },
  60326: { status: 429, message: 'Too many requests to create factors for the entity. Try again 24h later' },
  60362: { status: 400, message: 'Factor SID invalid or not provided' },
  60367: { status: 400, message: 'Invalid entity identity' },
  60368: { status: 400, message: 'Challenge details invalid or not provided' },
  60369: { status: 400, message: 'Factor type invalid or not provided' },
  60370: { status: 400, message: 'Factor config invalid or not provided' },
  60384: { status: 400, message: 'Invalid challenge timeout' },
  60390: { status: 404, message: 'Factor not found' },
  60391: { status: 404, message: 'Challenge not found' },
  60392: { status: 404, message: 'Entity not found' },
} as const satisfies Record<number, { status: number; message: string }>;

export type TwilioErrorCode = keyof typeof TWILIO_ERRORS;

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

/** The error for a known code, with its table status and message (or a more specific message). */
export function twilioError(code: TwilioErrorCode, message?: string): TwilioError {
  const known = TWILIO_ERRORS[code];
  return new TwilioError(code, known.status, message ?? known.message);
}

/** 60200 naming the offending form parameter, as Twilio does ("Invalid parameter: To"). */
export function invalidParameter(name: string): TwilioError {
  return twilioError(60200, `Invalid parameter: ${name}`);
}

/** 20404 quoting the path after the API version (/v2 Verify, /v1 Sync), as in Twilio's real bodies. */
export function resourceNotFound(path: string): TwilioError {
  return twilioError(20404, `The requested resource ${path.replace(/^\/v[12](?=\/)/, '')} was not found`);
}
