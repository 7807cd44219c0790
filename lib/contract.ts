// The JSON contract of the kit's HTTP endpoints, shared by the Functions and the page's API client.
// Type-only module: importing it adds nothing to a bundle.
import type { ERROR_CODES } from './http/error-codes';

/** TOTP parameters of a factor, in authenticator-app vocabulary (Key-Uri format). */
export interface FactorConfig {
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  digits: number;
  period: number;
  skew: number;
}

export type FactorStatus = 'verified' | 'unverified';

/** POST /create-factor */
export interface CreateFactorRequest {
  /** Account name shown in the authenticator app (1–64 characters). */
  label?: string;
}
export interface CreateFactorResponse {
  factorSid: string;
  status: 'unverified';
  /** otpauth://totp/… Key-Uri; shown once, render it as a QR code. */
  uri: string;
  /** Base32 secret for manual entry; shown once. */
  secret: string;
  config: FactorConfig;
}

/** POST /verify-factor */
export interface VerifyFactorRequest {
  factorSid: string;
  code: string;
}
export interface VerifyFactorResponse {
  factorSid: string;
  status: FactorStatus;
  /** Present once, when this call verified the factor: 10 single-use codes for a lost phone. Show them, never store them. */
  recoveryCodes?: string[];
}

/** POST /create-challenge */
export interface CreateChallengeRequest {
  code: string;
  /** Defaults to the caller's verified TOTP factor. */
  factorSid?: string;
  /** The host's value for this sign-in (1–128 URL-safe characters), echoed in the approval token's `nonce` claim. */
  nonce?: string;
}
export type CreateChallengeResponse =
  | { status: 'approved'; challengeSid: string; /** Signed JWT for the host backend. */ approval: string }
  | { status: 'pending'; challengeSid: string };

/** POST /list-factors */
export interface FactorSummary {
  factorSid: string;
  label: string;
  status: FactorStatus;
  /** ISO 8601 */
  createdAt: string;
  config: FactorConfig;
}
export interface ListFactorsResponse {
  factors: FactorSummary[];
  /** Unused recovery codes of the user's current set (0 when there is none). */
  recoveryCodesLeft: number;
  /**
   * True when the current set is of the format issued before (10 symbols, 50 bits): its codes still work, once each, but
   * the user should generate a new set (16 symbols, 75 bits). False when the set is current or there is none.
   */
  recoveryCodesOutdated: boolean;
}

/** POST /delete-factor */
export interface DeleteFactorRequest {
  factorSid: string;
  /** A current code: required when the factor is verified (step-up), unless `recoveryCode` is sent instead. */
  code?: string;
  /** A recovery code as the step-up, for a lost phone (used up by the delete). */
  recoveryCode?: string;
}
export interface DeleteFactorResponse {
  deleted: true;
}

/** POST /use-recovery-code: a sign-in with a recovery code instead of an authenticator code. */
export interface UseRecoveryCodeRequest {
  /** `XXXXX-XXXXX`; case, spaces and dashes do not matter. */
  code: string;
  nonce?: string;
}
export interface UseRecoveryCodeResponse {
  status: 'approved';
  /** Signed JWT for the host backend; its `amr` is `["recovery_code"]`. */
  approval: string;
  recoveryCodesLeft: number;
}

/** POST /regenerate-recovery-codes: a new set for a current authenticator code; every earlier code stops working. */
export interface RegenerateRecoveryCodesRequest {
  code: string;
}
export interface RegenerateRecoveryCodesResponse {
  recoveryCodes: string[];
}

/** Security events, as the user's trail and the host's webhook carry them (lib/events/security-events.ts). */
export type ActivityType =
  | 'factor.created'
  | 'factor.verified'
  | 'factor.deleted'
  | 'challenge.approved'
  | 'challenge.failed'
  /** A code accepted within its window already was sent again: refused, and not counted as a guess (a few times). */
  | 'challenge.reused'
  | 'lock.started'
  | 'recovery_codes.generated'
  | 'recovery_code.used'
  | 'support.reset'
  | 'support.unlock';
/**
 * Where a code is checked: `web`, a caller with a token (the page, a host backend), or `studio`, a Studio flow (voice).
 * Each channel locks on its own, so a guesser on one cannot lock the user out of the other.
 */
export type Channel = 'web' | 'studio';
/** The channel of an event: a code check's, or `support` for the operator's tool (npm run support). */
export type ActivityChannel = Channel | 'support';
export interface ActivityEvent {
  /** `ev_…` */
  id: string;
  type: ActivityType;
  /** ISO 8601 */
  occurredAt: string;
  channel: ActivityChannel;
  factorSid?: string;
  /** A short machine word, e.g. `wrong_code`, `replay`, `recovery_code`. */
  outcome?: string;
  /** Small numbers that explain the event, e.g. `{lockSeconds: 60}`. */
  detail?: Record<string, number>;
  /**
   * In the trail (/list-activity), the same failure repeated in a row is one event: how many (2 or more), from
   * `firstOccurredAt` to `occurredAt`. The webhook and the log get each one.
   */
  count?: number;
  /** ISO 8601: the first of the `count` events; `occurredAt` is the last. */
  firstOccurredAt?: string;
}

/** POST /list-activity: the caller's last events (at most 50, a failure repeated in a row folded into one), newest first. */
export interface ListActivityResponse {
  events: ActivityEvent[];
}

/** POST /studio/check-code (Twilio-signed; always 200 for expected outcomes) */
export interface StudioCheckCodeRequest {
  user: string;
  code: string;
}
/** `reused`: the code was just accepted (by phone or on the web); the caller waits for the next one. */
export type StudioStatus = 'approved' | 'pending' | 'not_enrolled' | 'locked' | 'invalid' | 'reused';
export interface StudioCheckCodeResponse {
  status: StudioStatus;
}

/** A stable error code of the kit's answers, one of the error list (lib/http/error-codes.ts; README's error table). */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Every error answer: a stable snake_case code, a human message (English, for developers). */
export interface ErrorResponse {
  error: {
    code: ErrorCode;
    message: string;
    /** `locked` and `enrollment_in_progress`: seconds until a retry can succeed (as Retry-After). */
    retryAfterSeconds?: number;
  };
}

/** RFC 8176 `amr`: `otp` for an authenticator code; `recovery_code` (the kit's own value) for a recovery code. */
export type ApprovalMethod = 'otp' | 'recovery_code';
/** The claims of the approval token that an approved challenge or a recovery code returns. */
export interface ApprovalClaims {
  sub: string;
  amr: [ApprovalMethod];
  /** The challenge SID: a backend refuses a second use of the same approval. */
  jti: string;
  iat: number;
  exp: number;
  /** APPROVAL_ISSUER, else the deployment's own address (https://<service>.twil.io). */
  iss: string;
  /** APPROVAL_AUDIENCE, when set. */
  aud?: string;
  /** The `nonce` sent with the code check, echoed so the host can bind the approval to its own pending sign-in. */
  nonce?: string;
}

/** GET /approval-keys: the public keys of ES256 approval tokens (RFC 7517 JWK Set). */
export interface ApprovalKeysResponse {
  keys: Array<{ kty: 'EC'; crv: 'P-256'; x: string; y: string; kid: string; alg: 'ES256'; use: 'sig' }>;
}
