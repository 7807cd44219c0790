// approval.mjs: checks the kit's approval token before your backend finishes a sign-in.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const KIT = process.env.TOTP_KIT_URL; // e.g. https://totp-functions-1234-dev.twil.io, the approval's issuer
const AUDIENCE = process.env.APPROVAL_AUDIENCE || undefined; // when the kit sets APPROVAL_AUDIENCE
const SECRET = process.env.APPROVAL_SIGNING_SECRET; // HS256 only; with ES256 leave it unset
// ES256: the deployment's public keys, fetched once and again for a key id not seen yet.
const key = SECRET ? new TextEncoder().encode(SECRET) : createRemoteJWKSet(new URL('/approval-keys', KIT));

/**
 * RFC 8176 amr: `otp` for an authenticator code; the kit's own values `recovery_code` for a recovery code and
 * `trusted_device` for a remembered device's token (no code was shown this time: `device_trusted_at` says when one was).
 */
const SECOND_FACTORS = new Set(['otp', 'recovery_code', 'trusted_device']);
/** jti → exp of the approvals already used. One process only: with several, keep them in a store they share. */
const used = new Map();

/**
 * `allowTrustedDevice: false` for a sensitive action (a payment, a new e-mail address): it needs a code shown now.
 * `maxTrustedAgeSeconds`: or accept a trusted device only if a code was shown on it that recently.
 */
export async function checkApproval(approval, pendingSignIn, { allowTrustedDevice = true, maxTrustedAgeSeconds = Infinity } = {}) {
  const { payload } = await jwtVerify(approval, key, {
    algorithms: SECRET ? ['HS256'] : ['ES256'],
    issuer: KIT,
    audience: AUDIENCE,
    subject: pendingSignIn.userId,
    requiredClaims: ['jti', 'exp', 'amr'],
  });
  if (payload.nonce !== pendingSignIn.nonce) throw new Error('not an approval for this sign-in');
  if (!Array.isArray(payload.amr) || !payload.amr.some((method) => SECOND_FACTORS.has(method))) {
    throw new Error('no second factor in this approval');
  }
  const now = Date.now() / 1000;
  if (payload.amr.includes('trusted_device')) {
    if (!allowTrustedDevice) throw new Error('this action needs a code, not a trusted device');
    if (typeof payload.device_trusted_at !== 'number' || now - payload.device_trusted_at > maxTrustedAgeSeconds) {
      throw new Error('the device was trusted too long ago for this action');
    }
  }
  for (const [jti, exp] of used) if (exp < now) used.delete(jti);
  if (used.has(payload.jti)) throw new Error('this approval was used already');
  used.set(payload.jti, payload.exp);
  return { userId: payload.sub, method: payload.amr[0], deviceTrustedAt: payload.device_trusted_at };
}
