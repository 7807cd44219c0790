// The approval token: proof for the host backend that this user just passed a TOTP challenge (the browser can't be trusted to say so).
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ApprovalClaims, ApprovalKeysResponse, ApprovalMethod } from '../contract';

/** The public half of the ES256 key as published (RFC 7517 §4), with its RFC 7638 thumbprint as `kid`. */
export type PublicSigningJwk = ApprovalKeysResponse['keys'][number];

/**
 * HS256: every backend that verifies also holds the secret, so it could mint approvals too (the simple option).
 * ES256: the kit alone holds the private key; backends verify with the public key from GET /approval-keys.
 */
export type ApprovalKey =
  | { alg: 'HS256'; secret: KeyObject | Uint8Array }
  | { alg: 'ES256'; privateKey: KeyObject; publicJwk: PublicSigningJwk; kid: string };

export interface ApprovalSigner {
  key: ApprovalKey;
  /** `iss`: APPROVAL_ISSUER, else the deployment's own address. */
  issuer: string;
  /** `aud`: APPROVAL_AUDIENCE, the application that is to accept the approval; none when unset. */
  audience: string | undefined;
  ttlSeconds: number;
}

/** What the core knows about one approval: who, which challenge, and the host's own sign-in nonce if it sent one. */
export interface ApprovalSubject {
  sub: string;
  challengeSid: string;
  /** Echoed as the `nonce` claim, so the host can bind the approval to its own pending sign-in. */
  nonce?: string;
  /** What the person proved themselves with (the `amr` claim); default `otp`, an authenticator code. */
  method?: ApprovalMethod;
  /** With `trusted_device`: when the device was trusted (the `device_trusted_at` claim, epoch seconds). */
  deviceTrustedAt?: Date;
}

/**
 * Signs `{sub, amr: ["otp"], jti: challengeSid, iat, exp, iss, aud?, nonce?, device_trusted_at?}`. `amr` values follow RFC 8176 ("otp");
 * `jti` lets the backend refuse a second use of the same approval.
 */
export async function signApprovalToken(signer: ApprovalSigner, claims: ApprovalSubject, now: Date): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  const payload: Pick<ApprovalClaims, 'amr' | 'nonce' | 'device_trusted_at'> = { amr: [claims.method ?? 'otp'] };
  if (claims.nonce !== undefined) payload.nonce = claims.nonce;
  if (claims.deviceTrustedAt !== undefined) payload.device_trusted_at = Math.floor(claims.deviceTrustedAt.getTime() / 1000);
  let token = new SignJWT(payload)
    .setSubject(claims.sub)
    .setJti(claims.challengeSid)
    .setIssuer(signer.issuer)
    .setIssuedAt(iat)
    .setExpirationTime(iat + signer.ttlSeconds);
  if (signer.audience !== undefined) token = token.setAudience(signer.audience);
  const { key } = signer;
  return key.alg === 'ES256'
    ? token.setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: key.kid }).sign(key.privateKey)
    : token.setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key.secret);
}

/** The JWKS a backend fetches to verify ES256 approvals; undefined in HS256 mode (there is no public key). */
export function publishedApprovalKeys(signer: ApprovalSigner): ApprovalKeysResponse | undefined {
  return signer.key.alg === 'ES256' ? { keys: [signer.key.publicJwk] } : undefined;
}
