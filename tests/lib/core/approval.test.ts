// lib/core/approval.ts directly: the approval token's claims in HS256 and ES256, and the public key set a backend verifies with.
import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { publishedApprovalKeys, signApprovalToken, type ApprovalSigner } from '../../../lib/core/approval';
import { parseConfig } from '../../../lib/config';

const now = new Date('2026-01-02T03:04:05Z');
const iat = now.getTime() / 1000;
const challengeSid = `YC${'1'.repeat(32)}`;
const secret = new TextEncoder().encode('a'.repeat(32));

/** The ES256 signer as the Functions build it from APPROVAL_SIGNING_KEY. */
function es256Signer(overrides: Record<string, string> = {}): ApprovalSigner {
  const jwk = JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));
  return parseConfig({
    VERIFY_SERVICE_SID: `VA${'a'.repeat(32)}`,
    IDENTITY_SECRET: 'i'.repeat(32),
    RECOVERY_CODE_SECRET: 'r'.repeat(32),
    AUTH_JWT_SECRET: 'c'.repeat(32),
    APPROVAL_SIGNING_KEY: jwk,
    DOMAIN_NAME: 'totp-functions-1234-dev.twil.io',
    ...overrides,
  }).approval;
}

describe('signApprovalToken with HS256 (APPROVAL_SIGNING_SECRET)', () => {
  const signer: ApprovalSigner = { key: { alg: 'HS256', secret }, issuer: 'https://app.example.com', audience: undefined, ttlSeconds: 300 };

  test('signs sub, amr ["otp"], jti = challenge SID, iss, iat and exp = iat + ttl', async () => {
    const token = await signApprovalToken(signer, { sub: 'erin', challengeSid }, now);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(token, secret, { currentDate: now, issuer: 'https://app.example.com', algorithms: ['HS256'] });
    expect(payload).toEqual({ sub: 'erin', amr: ['otp'], jti: challengeSid, iss: 'https://app.example.com', iat, exp: iat + 300 });
    // After exp, a backend verifying it refuses it.
    await expect(jwtVerify(token, secret, { currentDate: new Date(now.getTime() + 301_000) })).rejects.toThrow();
  });

  test('finding 7: carries aud (APPROVAL_AUDIENCE) and echoes the host\'s nonce, so a backend binds it to its own sign-in', async () => {
    const token = await signApprovalToken({ ...signer, audience: 'bank-web' }, { sub: 'erin', challengeSid, nonce: 'n-4f2a9' }, now);
    const { payload } = await jwtVerify(token, secret, { currentDate: now, audience: 'bank-web', algorithms: ['HS256'] });
    expect(payload).toEqual(expect.objectContaining({ aud: 'bank-web', nonce: 'n-4f2a9', sub: 'erin' }));
    await expect(jwtVerify(token, secret, { currentDate: now, audience: 'another-app' })).rejects.toThrow(/aud/);
  });

  test('publishes no key set: there is no public key to a shared secret', () => {
    expect(publishedApprovalKeys(signer)).toBeUndefined();
  });
});

describe('finding 7: signApprovalToken with ES256 (APPROVAL_SIGNING_KEY)', () => {
  test('signs with the private key and names it by kid; the published key set verifies it, and holds no private part', async () => {
    const signer = es256Signer({ APPROVAL_AUDIENCE: 'bank-web' });
    const token = await signApprovalToken(signer, { sub: 'erin', challengeSid, nonce: 'n-1' }, now);
    const published = publishedApprovalKeys(signer);
    if (published === undefined) throw new Error('expected a key set');
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'JWT', kid: published.keys[0]?.kid });
    expect(JSON.stringify(published)).not.toMatch(/"d"/);
    const { payload } = await jwtVerify(token, createLocalJWKSet(published), {
      currentDate: now,
      algorithms: ['ES256'],
      issuer: 'https://totp-functions-1234-dev.twil.io',
      audience: 'bank-web',
    });
    expect(payload).toEqual({ sub: 'erin', amr: ['otp'], jti: challengeSid, iss: 'https://totp-functions-1234-dev.twil.io', aud: 'bank-web', nonce: 'n-1', iat, exp: iat + 120 });
  });

  test('another deployment\'s key set does not verify it', async () => {
    const token = await signApprovalToken(es256Signer(), { sub: 'erin', challengeSid }, now);
    const other = publishedApprovalKeys(es256Signer());
    if (other === undefined) throw new Error('expected a key set');
    await expect(jwtVerify(token, createLocalJWKSet(other), { currentDate: now })).rejects.toThrow();
  });
});
