// A runnable sample host backend for docs/integrate.md (Node 20, no framework): the password step stand-in that makes
// the pending sign-in and mints the caller token, and the endpoint that checks the kit's approval with checkApproval.
// Run: TOTP_KIT_URL=http://localhost:3000 AUTH_JWT_SECRET=<from .env.local> node examples/host-backend.mjs
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { SignJWT } from 'jose';
import { checkApproval } from './approval.mjs';

const SECRET = new TextEncoder().encode(process.env.AUTH_JWT_SECRET ?? '');
if (SECRET.length < 32) throw new Error('AUTH_JWT_SECRET (the kit\'s caller-token secret) must be set');
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

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
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
      sessions.set(session, { userId, nonce });
      const callerToken = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(userId).setIssuedAt().setExpirationTime('10m').sign(SECRET);
      return send(res, 200, { session, callerToken, nonce });
    }
    if (req.method === 'POST' && req.url === '/mfa-complete') {
      const pending = sessions.get(String(body.session ?? ''));
      if (pending?.nonce === undefined) return send(res, 403, { error: 'no pending sign-in' });
      try {
        const { userId, method } = await checkApproval(String(body.approval ?? ''), pending);
        sessions.set(String(body.session), { userId });
        return send(res, 200, { signedIn: true, userId, method });
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
