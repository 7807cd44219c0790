// A host application on another origin, as docs/integrate.md describes it: its own copies of totp-client.js and the
// example sign-in step (pointed at the kit, the kit's origin added to connect-src), and a stand-in for its backend's
// /your-backend/mfa-complete that checks the approval token (signature, issuer, user, nonce) before "signing in".
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { jwtVerify } from 'jose';

const ASSETS = join(__dirname, '..', '..', '..', 'dist', 'assets');
const FILES: Readonly<Record<string, string>> = {
  '/sign-in-step.js': 'text/javascript',
  '/totp-client.js': 'text/javascript',
  '/style.css': 'text/css',
  '/favicon.svg': 'image/svg+xml',
};

export interface SignIn {
  userId: string;
  amr: unknown;
  /** The trusted device's token the page handed over with the approval ("Remember this device" ticked). */
  deviceToken?: string;
}

export interface HostApp {
  origin: string;
  /** Where the kit is and how its approvals are signed (HS256, the local stack's default); set once the stack runs. */
  useKit(kit: { url: string; approvalSecret: string }): void;
  /** What the host's password step would have stored: the user and the nonce of the sign-in in progress. */
  expectSignIn(pending: { userId: string; nonce: string }): void;
  /** Sign-ins the stand-in backend accepted, oldest first. */
  signedIn: SignIn[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export async function startHostApp(): Promise<HostApp> {
  let kit: { url: string; approvalSecret: string } | undefined;
  let pending: { userId: string; nonce: string } | undefined;
  const signedIn: SignIn[] = [];

  /** The example page as the host deploys it: the kit's address in its meta tag and in connect-src. */
  function signInPage(): string {
    if (kit === undefined) throw new Error('the host app does not know the kit yet');
    const kitOrigin = new URL(kit.url).origin;
    return readFileSync(join(ASSETS, 'sign-in-step.html'), 'utf8')
      .replace('<meta name="totp-base-url" content="">', `<meta name="totp-base-url" content="${kit.url}">`)
      .replace(/(http-equiv="Content-Security-Policy" content="[^"]*connect-src 'self')/, `$1 ${kitOrigin}`);
  }

  async function completeSignIn(req: IncomingMessage): Promise<number> {
    if (kit === undefined || pending === undefined) return 409;
    try {
      const { approval, deviceToken } = JSON.parse(await readBody(req)) as { approval?: unknown; deviceToken?: unknown };
      const { payload } = await jwtVerify(String(approval), new TextEncoder().encode(kit.approvalSecret), {
        algorithms: ['HS256'],
        issuer: kit.url,
        subject: pending.userId,
        requiredClaims: ['jti', 'exp', 'amr'],
      });
      if (payload.nonce !== pending.nonce) return 403;
      signedIn.push({ userId: String(payload.sub), amr: payload.amr, ...(typeof deviceToken === 'string' ? { deviceToken } : {}) });
      pending = undefined;
      return 200;
    } catch {
      return 403;
    }
  }

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split(/[?#]/)[0] ?? '/';
    if (req.method === 'POST' && path === '/your-backend/mfa-complete') {
      void completeSignIn(req).then((status) => {
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ signedIn: status === 200 }));
      });
      return;
    }
    if (path === '/sign-in-step.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(signInPage());
      return;
    }
    const type = FILES[path];
    if (type === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': type }).end(readFileSync(join(ASSETS, path.slice(1))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    useKit(value) {
      kit = value;
    },
    expectSignIn(value) {
      pending = value;
    },
    signedIn,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
