// A runnable sample host backend for docs/integrate.md (Node 20, no framework): the password step stand-in that makes
// the pending sign-in and mints the caller token, the endpoint that checks the kit's approval with checkApproval, and
// trusted devices: the device's token in an HttpOnly cookie, checked with the kit at the next password step.
// Run: TOTP_KIT_URL=http://localhost:3000 AUTH_JWT_SECRET=<from .env.local> node examples/host-backend.mjs
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { SignJWT } from 'jose';
import { checkApproval } from './approval.mjs';

const KIT = process.env.TOTP_KIT_URL ?? '';
const SECRET = new TextEncoder().encode(process.env.AUTH_JWT_SECRET ?? '');
if (SECRET.length < 32) throw new Error('AUTH_JWT_SECRET (the kit\'s caller-token secret) must be set');
/** As the kit's TRUSTED_DEVICE_DAYS: the cookie lasts as long as the kit trusts the device (it refuses it after). */
const TRUSTED_DEVICE_DAYS = Number(process.env.TRUSTED_DEVICE_DAYS ?? 30);
/**
 * `__Host-`: only this host, path /, Secure. HttpOnly: no script on the page can read the token, so an XSS cannot
 * carry it off; SameSite=Strict: no other site's page sends it along.
 */
const DEVICE_COOKIE = '__Host-trusted-device';
const DEVICE_TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** session id → {userId, nonce} of a pending sign-in, or {userId} once signed in. One process: keep it in memory. */
const sessions = new Map();

async function readJson(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 16_384) throw new Error('body too large');
  }
  return text === '' ? {} : JSON.parse(text);
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(body));
}

function deviceCookie(req) {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = pair.trim().split('=');
    if (name === DEVICE_COOKIE && DEVICE_TOKEN.test(value.join('='))) return value.join('=');
  }
  return null;
}

const setDeviceCookie = (token) => `${DEVICE_COOKIE}=${token}; Path=/; Max-Age=${TRUSTED_DEVICE_DAYS * 86_400}; HttpOnly; Secure; SameSite=Strict`;
const clearDeviceCookie = `${DEVICE_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;

/**
 * The kit's /check-device, server-side: the caller token of this sign-in, the cookie's token and the pending sign-in's
 * nonce. The approval it answers is checked like any other (signature, user, nonce, one use; `amr: ["trusted_device"]`).
 * Null when the kit refuses the device (forgotten, expired: the cookie is cleared) or cannot be asked (go on to a code).
 */
async function signInWithDevice(deviceToken, callerToken, pending) {
  let response;
  try {
    response = await fetch(new URL('/check-device', KIT), {
      method: 'POST',
      headers: { authorization: `Bearer ${callerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ deviceToken, nonce: pending.nonce }),
    });
  } catch {
    return { signedIn: null, forget: false };
  }
  const body = await response.json().catch(() => ({}));
  if (response.status === 403 && body.error?.code === 'device_not_trusted') return { signedIn: null, forget: true };
  if (!response.ok || body.status !== 'approved') return { signedIn: null, forget: false };
  try {
    return { signedIn: await checkApproval(String(body.approval), pending), forget: false };
  } catch {
    return { signedIn: null, forget: false };
  }
}

const server = createServer(async (req, res) => {
  try {
    const body = await readJson(req);
    if (req.method === 'POST' && req.url === '/password-step') {
      // Stands in for your password check: whoever names a user here is that user.
      const userId = String(body.userId ?? '');
      if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(userId)) return send(res, 400, { error: 'userId required' });
      const nonce = randomBytes(16).toString('hex');
      const session = randomUUID();
      const callerToken = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(userId).setIssuedAt().setExpirationTime('10m').sign(SECRET);
      const deviceToken = deviceCookie(req);
      if (deviceToken !== null) {
        const { signedIn, forget } = await signInWithDevice(deviceToken, callerToken, { userId, nonce });
        if (signedIn !== null) {
          sessions.set(session, { userId });
          return send(res, 200, { session, signedIn: true, ...signedIn });
        }
        sessions.set(session, { userId, nonce });
        // Refused: the cookie goes, and this sign-in goes on to the code step.
        if (forget) return send(res, 200, { session, callerToken, nonce }, { 'set-cookie': clearDeviceCookie });
      } else sessions.set(session, { userId, nonce });
      return send(res, 200, { session, callerToken, nonce });
    }
    if (req.method === 'POST' && req.url === '/mfa-complete') {
      const pending = sessions.get(String(body.session ?? ''));
      if (pending?.nonce === undefined) return send(res, 403, { error: 'no pending sign-in' });
      try {
        const { userId, method } = await checkApproval(String(body.approval ?? ''), pending);
        sessions.set(String(body.session), { userId });
        // "Remember this device" was ticked: the token goes into the cookie, and from there only to the kit.
        const headers = typeof body.deviceToken === 'string' && DEVICE_TOKEN.test(body.deviceToken) ? { 'set-cookie': setDeviceCookie(body.deviceToken) } : {};
        return send(res, 200, { signedIn: true, userId, method }, headers);
      } catch {
        return send(res, 403, { error: 'approval refused' });
      }
    }
    return send(res, 404, { error: 'not found' });
  } catch {
    return send(res, 400, { error: 'bad request' });
  }
});

server.listen(Number(process.env.BACKEND_PORT ?? 4000), '127.0.0.1', () => {
  console.log(`host backend on http://127.0.0.1:${server.address().port}`);
});
