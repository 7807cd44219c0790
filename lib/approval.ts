// The approval token: proof for the host backend that this user just passed a TOTP challenge (the browser can't be trusted to say so).
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

export interface ApprovalSigner {
  secret: KeyObject | Uint8Array;
  issuer: string;
  ttlSeconds: number;
}

/**
 * Signs `{sub, amr: ["otp"], jti: challengeSid, iat, exp, iss}` with HS256. `amr` values follow RFC 8176 ("otp");
 * `jti` lets the backend refuse a second use of the same approval.
 */
export async function signApprovalToken(
  signer: ApprovalSigner,
  claims: { sub: string; challengeSid: string; nonce?: string },
  now: Date,
): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  // `nonce` echoes the host's own value, so it can bind this approval to the sign-in it started (OIDC Core §2).
  return new SignJWT(claims.nonce === undefined ? { amr: ['otp'] } : { amr: ['otp'], nonce: claims.nonce })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setJti(claims.challengeSid)
    .setIssuer(signer.issuer)
    .setIssuedAt(iat)
    .setExpirationTime(iat + signer.ttlSeconds)
    .sign(signer.secret);
}
