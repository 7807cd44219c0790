// The kit's client for browsers: one typed method per endpoint, every failure a TotpClientError a UI can act on.
// An ES module with no dependencies. The page bundles it; `npm run build` also ships it as dist/assets/totp-client.js,
// with its types in totp-client.d.ts, for host frontends (docs/integrate.md).
import type {
  CheckDeviceRequest,
  CheckDeviceResponse,
  CreateChallengeRequest,
  CreateChallengeResponse,
  CreateFactorRequest,
  CreateFactorResponse,
  DeleteFactorRequest,
  DeleteFactorResponse,
  ErrorCode,
  ForgetDeviceRequest,
  ForgetDeviceResponse,
  ListActivityResponse,
  ListDevicesResponse,
  ListFactorsResponse,
  RegenerateRecoveryCodesRequest,
  RegenerateRecoveryCodesResponse,
  UseRecoveryCodeRequest,
  UseRecoveryCodeResponse,
  VerifyFactorRequest,
  VerifyFactorResponse,
} from '../lib/contract';

// The JSON contract, for code that names these types; totp-client.d.ts carries it inline (scripts/client-types.ts).
export type * from '../lib/contract';

/**
 * Every error code the kit answers (the kit's error list, lib/http/error-codes.ts), and the client's own two:
 * `network_error` (no answer at all: offline, DNS, or a CORS refusal, which the browser does not tell apart) and
 * `unexpected_response` (an answer without the kit's error body, e.g. a proxy's error page).
 */
export type TotpErrorCode = ErrorCode | 'network_error' | 'unexpected_response';

/** Codes after which no code is checked until `retryAt` (or, for `account_locked`, until support unlocks): the kit's locks and Verify's limits. */
const LOCK_CODES: ReadonlySet<string> = new Set<TotpErrorCode>(['locked', 'account_locked', 'too_many_attempts', 'too_many_challenges', 'too_many_enrollments']);

/**
 * A failed call. `code` is the kit's stable error code (the message is English, for developers: show your own text
 * for each code). When the kit says how long to wait, `retryAfterSeconds` and `retryAt` (epoch ms, from the client's
 * clock) say so; `locked` is true when no code will be checked before then, so a UI can count down to `retryAt`.
 */
export class TotpClientError extends Error {
  override readonly name = 'TotpClientError';
  readonly retryAt: number | null;
  readonly locked: boolean;

  constructor(
    /** The HTTP status; 0 when there was no answer. */
    readonly status: number,
    readonly code: TotpErrorCode | (string & {}),
    message: string,
    readonly retryAfterSeconds: number | null = null,
    nowMs: number = Date.now(),
  ) {
    super(message);
    this.retryAt = retryAfterSeconds === null ? null : nowMs + retryAfterSeconds * 1000;
    this.locked = LOCK_CODES.has(code);
  }
}

export interface TotpClientOptions {
  /**
   * The kit's address, e.g. `https://totp-1234-dev.twil.io`. Endpoints resolve under it: `<baseUrl>/create-factor`,
   * and a path is kept (`https://example.com/mfa` → `https://example.com/mfa/create-factor`).
   */
  baseUrl: string | URL;
  /** The caller token your sign-in minted for this user (held in memory); null sends none, which the kit refuses. */
  getToken: () => string | null | Promise<string | null>;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** The clock `retryAt` is computed from (default: Date.now). */
  now?: () => number;
}

/** One method per endpoint; each resolves with the endpoint's answer or rejects with a TotpClientError. */
export interface TotpClient {
  /** POST /create-factor: starts a set-up; show `uri` as a QR code and `secret` for typing, then `confirm`. */
  enroll(request?: CreateFactorRequest): Promise<CreateFactorResponse>;
  /** POST /verify-factor: the first code from the app; `recoveryCodes` come once, when this call verifies the factor. */
  confirm(request: VerifyFactorRequest): Promise<VerifyFactorResponse>;
  /** POST /create-challenge: a sign-in check; `approved` carries the approval token for your backend. */
  check(request: CreateChallengeRequest): Promise<CreateChallengeResponse>;
  /** POST /use-recovery-code: a sign-in with a recovery code; each code works once. */
  useRecoveryCode(request: UseRecoveryCodeRequest): Promise<UseRecoveryCodeResponse>;
  /** POST /list-factors: the caller's authenticators, never a secret. */
  listFactors(): Promise<ListFactorsResponse>;
  /** POST /delete-factor: a verified factor needs a current `code`, or a `recoveryCode` for a lost phone. */
  deleteFactor(request: DeleteFactorRequest): Promise<DeleteFactorResponse>;
  /** POST /regenerate-recovery-codes: a new set of recovery codes for a current authenticator code. */
  regenerateRecoveryCodes(request: RegenerateRecoveryCodesRequest): Promise<RegenerateRecoveryCodesResponse>;
  /** POST /list-activity: the caller's recent security events. */
  listActivity(): Promise<ListActivityResponse>;
  /**
   * POST /check-device: a sign-in with a trusted device's token instead of a code (`device_not_trusted` when it is
   * wrong, expired or forgotten: forget the token and ask for a code).
   */
  checkDevice(request: CheckDeviceRequest): Promise<CheckDeviceResponse>;
  /** POST /list-devices: the caller's trusted devices, never a token. */
  listDevices(): Promise<ListDevicesResponse>;
  /** POST /forget-device: stops trusting one device (`deviceId`) or every one (`all: true`). */
  forgetDevice(request: ForgetDeviceRequest): Promise<ForgetDeviceResponse>;
}

/**
 * Retry-After as seconds from now: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable.
 * A page on another origin reads it only because the kit lists it in Access-Control-Expose-Headers.
 */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  const value = header?.trim() ?? '';
  if (value === '') return null;
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - nowMs) / 1000));
}

/** The kit's error body: `{error: {code, message, retryAfterSeconds?}}`. */
function readErrorBody(payload: unknown): { code: string; message: string; retryAfterSeconds: number | null } | null {
  if (typeof payload !== 'object' || payload === null || !('error' in payload)) return null;
  const error: unknown = payload.error;
  if (typeof error !== 'object' || error === null) return null;
  if (!('code' in error) || typeof error.code !== 'string' || !('message' in error) || typeof error.message !== 'string') return null;
  // locked and enrollment_in_progress carry the wait in the body too, for clients that cannot read the header.
  const seconds = 'retryAfterSeconds' in error ? error.retryAfterSeconds : undefined;
  const retryAfterSeconds = typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
  return { code: error.code, message: error.message, retryAfterSeconds };
}

export function createTotpClient(options: TotpClientOptions): TotpClient {
  const now = options.now ?? Date.now;
  // The global fetch is looked up per call, so a page or test that replaces it later is honoured.
  const send: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));
  // A trailing slash, so that a path in baseUrl is kept when endpoints resolve against it.
  const base = new URL(options.baseUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';

  async function post<T>(route: string, body: object): Promise<T> {
    const token = await options.getToken();
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    let response: Response;
    try {
      // credentials: 'omit': the kit reads only the bearer token; a cookie never reaches it.
      response = await send(new URL(route, base), { method: 'POST', headers, body: JSON.stringify(body), credentials: 'omit' });
    } catch {
      throw new TotpClientError(0, 'network_error', `POST ${route}: no answer (offline, or refused by CORS)`);
    }
    const payload: unknown = await response.json().catch(() => null);
    const error = readErrorBody(payload);
    if (response.ok && payload !== null && error === null) return payload as T;
    const nowMs = now();
    const headerSeconds = parseRetryAfter(response.headers.get('Retry-After'), nowMs);
    if (error !== null) {
      throw new TotpClientError(response.status, error.code, error.message, headerSeconds ?? error.retryAfterSeconds, nowMs);
    }
    throw new TotpClientError(response.status, 'unexpected_response', `POST ${route}: HTTP ${response.status} without the kit's error body`, headerSeconds, nowMs);
  }

  return {
    enroll: (request = {}) => post('create-factor', request),
    confirm: (request) => post('verify-factor', request),
    check: (request) => post('create-challenge', request),
    useRecoveryCode: (request) => post('use-recovery-code', request),
    listFactors: () => post('list-factors', {}),
    deleteFactor: (request) => post('delete-factor', request),
    regenerateRecoveryCodes: (request) => post('regenerate-recovery-codes', request),
    listActivity: () => post('list-activity', {}),
    checkDevice: (request) => post('check-device', request),
    listDevices: () => post('list-devices', {}),
    forgetDevice: (request) => post('forget-device', request),
  };
}
