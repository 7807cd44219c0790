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
  /** When the code is approved, trust this device for TRUSTED_DEVICE_DAYS: the answer carries its device token. */
  rememberDevice?: boolean;
  /** The user's name for the device (1–64 characters), shown in the list of trusted devices; with rememberDevice only. */
  deviceLabel?: string;
}
/**
 * What an approved check returns when it was asked to remember the device. The token is shown this once: the kit keeps
 * only its hash. Keep it where scripts on the page cannot read it, an HttpOnly cookie set by your backend (docs/integrate.md).
 */
export interface TrustedDeviceGrant {
  /** `td_…`: names the device in /list-devices and /forget-device; not a secret. */
  deviceId: string;
  /** 256 random bits, base64url (43 characters): send it to /check-device at the next sign-in. */
  deviceToken: string;
  /** ISO 8601: TRUSTED_DEVICE_DAYS after it was trusted; /check-device refuses it from then on. */
  expiresAt: string;
}
export type CreateChallengeResponse =
  | { status: 'approved'; challengeSid: string; /** Signed JWT for the host backend. */ approval: string; trustedDevice?: TrustedDeviceGrant }
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
  /** `XXXX-XXXX-XXXX-XXXX`; case, spaces and dashes do not matter. */
  code: string;
  nonce?: string;
  /** As for /create-challenge; every device trusted before is forgotten first (a recovery code means a lost phone). */
  rememberDevice?: boolean;
  deviceLabel?: string;
}
export interface UseRecoveryCodeResponse {
  status: 'approved';
  /** Signed JWT for the host backend; its `amr` is `["recovery_code"]`. */
  approval: string;
  recoveryCodesLeft: number;
  trustedDevice?: TrustedDeviceGrant;
}

/** POST /check-device: a sign-in on a trusted device, with its token instead of a code. */
export interface CheckDeviceRequest {
  deviceToken: string;
  nonce?: string;
}
export interface CheckDeviceResponse {
  status: 'approved';
  /** Signed JWT for the host backend; its `amr` is `["trusted_device"]` and `device_trusted_at` says since when. */
  approval: string;
  deviceId: string;
  /** ISO 8601 */
  trustedAt: string;
  /** ISO 8601: the token stops working then, however often it is used before. */
  expiresAt: string;
}

/** One trusted device as /list-devices shows it: never its token. */
export interface TrustedDevice {
  deviceId: string;
  /** The user's name for it, or null when none was given. */
  label: string | null;
  /** From the User-Agent when it was trusted, in plain words (`Firefox`, `Chrome`, …); null when it did not say. */
  browser: string | null;
  /** `Windows`, `macOS`, `iOS`, `Android`, `Linux`, …; null when the User-Agent did not say. */
  platform: string | null;
  /** ISO 8601 */
  trustedAt: string;
  /** ISO 8601: the last sign-in with it (at first, when it was trusted). */
  lastUsedAt: string;
  /** ISO 8601 */
  expiresAt: string;
}
/** POST /list-devices */
export interface ListDevicesResponse {
  /** Newest first. */
  devices: TrustedDevice[];
  /** TRUSTED_DEVICE_DAYS: how long a device stays trusted from when it was trusted. */
  trustedDeviceDays: number;
  /** How many a user keeps; trusting one more forgets the oldest. */
  maxDevices: number;
}

/** POST /forget-device: one device (`deviceId`), or every one (`all: true`). */
export type ForgetDeviceRequest = { deviceId: string; all?: never } | { all: true; deviceId?: never };
export interface ForgetDeviceResponse {
  /** How many devices stopped being trusted. */
  forgotten: number;
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
  /** A device was trusted (rememberDevice); `outcome` names the check: `otp` or `recovery_code`. */
  | 'device.trusted'
  /** A sign-in with a trusted device's token. */
  | 'device.used'
  /**
   * Devices stopped being trusted; `outcome` says why: `user` (one, /forget-device), `user_all`, `replaced` (the oldest
   * gave way to an 11th), `expired`, `factor_deleted`, `recovery_code` (a sign-in for a lost phone), `support`.
   */
  | 'device.forgotten'
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

/**
 * RFC 8176 `amr`: `otp` for an authenticator code; the kit's own values `recovery_code` for a recovery code and
 * `trusted_device` for a remembered device's token (no second factor was shown this time).
 */
export type ApprovalMethod = 'otp' | 'recovery_code' | 'trusted_device';
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
  /**
   * With `amr: ["trusted_device"]` only: when the device was trusted (epoch seconds), i.e. when a code was last shown on
   * it. A host that wants a fresh second factor for a sensitive action refuses the approval, or one trusted too long ago.
   */
  device_trusted_at?: number;
}

/** GET /approval-keys: the public keys of ES256 approval tokens (RFC 7517 JWK Set). */
export interface ApprovalKeysResponse {
  keys: Array<{ kty: 'EC'; crv: 'P-256'; x: string; y: string; kid: string; alg: 'ES256'; use: 'sig' }>;
}
