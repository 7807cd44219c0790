// GET /approval-keys — the public keys of ES256 approval tokens, as a JWK Set (RFC 7517 §5) for a backend's key-set client.
// Request:  any method, no token, no input (the runtime hides the method; this is public data).
// Response: 200 {keys: [{kty: "EC", crv: "P-256", x, y, kid, alg: "ES256", use: "sig"}]}, Cache-Control: public, max-age=300
//           404 no_approval_keys when approvals are signed with a shared secret (HS256): there is no public key.
import { publishedApprovalKeys } from '../lib/core/approval';
import { KitError } from '../lib/http/kit-error';
import { createPublicEndpoint } from '../lib/http/public-endpoint';

/** Short enough that a rotated key reaches caches within minutes; key-set clients refetch on an unknown `kid` anyway. */
const MAX_AGE_SECONDS = 300;

export const handler = createPublicEndpoint('approval-keys', MAX_AGE_SECONDS, (config) => {
  const keys = publishedApprovalKeys(config.approval);
  if (keys === undefined) {
    throw new KitError('no_approval_keys');
  }
  return keys;
});
