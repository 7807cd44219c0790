// The page's one module for HTTP: typed calls to the kit's Functions, every failure turned into an ApiError.
import type {
  CreateChallengeRequest,
  CreateChallengeResponse,
  CreateFactorRequest,
  CreateFactorResponse,
  DeleteFactorRequest,
  DeleteFactorResponse,
  ListActivityResponse,
  ListFactorsResponse,
  RegenerateRecoveryCodesRequest,
  RegenerateRecoveryCodesResponse,
  UseRecoveryCodeRequest,
  UseRecoveryCodeResponse,
  VerifyFactorRequest,
  VerifyFactorResponse,
} from '../lib/contract';

/**
 * A failed call: the kit's stable error code and its message (English, for developers: the page shows the text
 * assets/failure.ts gives the code), plus when to retry for 429 answers.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Epoch ms from the Retry-After header, when the server sent one. */
    readonly retryAt: number | null = null,
  ) {
    super(message);
  }
}

export interface ApiClient {
  createFactor(body: CreateFactorRequest): Promise<CreateFactorResponse>;
  verifyFactor(body: VerifyFactorRequest): Promise<VerifyFactorResponse>;
  createChallenge(body: CreateChallengeRequest): Promise<CreateChallengeResponse>;
  listFactors(): Promise<ListFactorsResponse>;
  deleteFactor(body: DeleteFactorRequest): Promise<DeleteFactorResponse>;
  useRecoveryCode(body: UseRecoveryCodeRequest): Promise<UseRecoveryCodeResponse>;
  regenerateRecoveryCodes(body: RegenerateRecoveryCodesRequest): Promise<RegenerateRecoveryCodesResponse>;
  listActivity(): Promise<ListActivityResponse>;
}

export interface ApiClientOptions {
  /** The page's own address; endpoints resolve against it so the page works under any path prefix. */
  baseUrl: string;
  /** The caller token, held in memory only. */
  getToken: () => string | null;
  now?: () => number;
}

/** Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (header === null || header.trim() === '') return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return nowMs + Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : date;
}

/** The kit also puts a lock's wait in the body: a page on another origin cannot read Retry-After (not CORS-safelisted). */
function retryAfterInBody(payload: unknown, nowMs: number): number | null {
  const error = typeof payload === 'object' && payload !== null && 'error' in payload ? payload.error : undefined;
  const seconds = typeof error === 'object' && error !== null && 'retryAfterSeconds' in error ? error.retryAfterSeconds : undefined;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? nowMs + seconds * 1000 : null;
}

function isErrorBody(value: unknown): value is { error: { code: string; message: string } } {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error: unknown = value.error;
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    'message' in error &&
    typeof error.message === 'string'
  );
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const now = options.now ?? Date.now;

  async function post<T>(route: string, body: object): Promise<T> {
    const token = options.getToken();
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(new URL(route, options.baseUrl), {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        credentials: 'omit',
      });
    } catch {
      throw new ApiError(0, 'network_error', `POST ${route}: no answer`);
    }
    let payload: unknown = null;
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
    if (response.ok && payload !== null && !isErrorBody(payload)) return payload as T;
    const retryAt = parseRetryAfter(response.headers.get('Retry-After'), now()) ?? retryAfterInBody(payload, now());
    if (isErrorBody(payload)) {
      throw new ApiError(response.status, payload.error.code, payload.error.message, retryAt);
    }
    throw new ApiError(response.status, 'unexpected_response', `POST ${route}: HTTP ${response.status} without the kit's error body`, retryAt);
  }

  return {
    createFactor: (body) => post<CreateFactorResponse>('create-factor', body),
    verifyFactor: (body) => post<VerifyFactorResponse>('verify-factor', body),
    createChallenge: (body) => post<CreateChallengeResponse>('create-challenge', body),
    listFactors: () => post<ListFactorsResponse>('list-factors', {}),
    deleteFactor: (body) => post<DeleteFactorResponse>('delete-factor', body),
    useRecoveryCode: (body) => post<UseRecoveryCodeResponse>('use-recovery-code', body),
    regenerateRecoveryCodes: (body) => post<RegenerateRecoveryCodesResponse>('regenerate-recovery-codes', body),
    listActivity: () => post<ListActivityResponse>('list-activity', {}),
  };
}
