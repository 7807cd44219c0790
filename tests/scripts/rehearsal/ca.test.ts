// The rehearsal's throwaway CA: fresh per run, its leaf for exactly Twilio's two Serverless hosts, name-constrained
// so that no other name verifies under it, and nothing left on disk once closed.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import { createRehearsalCa, REHEARSAL_HOSTS, type Leaf, type RehearsalCa } from '../../../scripts/rehearsal/ca';

let ca: RehearsalCa;

beforeAll(async () => {
  ca = await createRehearsalCa();
});
afterAll(() => {
  ca.close();
});

/** Serves `leaf` on a loopback port and reports what a client that trusts only the CA makes of it for `servername`. */
async function handshake(leaf: Leaf, servername: string): Promise<'trusted' | string> {
  const server: Server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => socket.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername, ca: [ca.caPem] });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve('trusted');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(`${error.code ?? ''} ${error.message}`));
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

test('the leaf names exactly serverless.twilio.com and serverless-upload.twilio.com, and is signed by the CA', () => {
  const leaf = new X509Certificate(ca.leaf.certPem);
  const root = new X509Certificate(ca.caPem);
  expect(leaf.subjectAltName).toBe('DNS:serverless.twilio.com, DNS:serverless-upload.twilio.com');
  expect(ca.leaf.names).toEqual([...REHEARSAL_HOSTS]);
  expect(leaf.ca).toBe(false);
  expect(root.ca).toBe(true);
  expect(leaf.checkIssued(root)).toBe(true);
  expect(leaf.verify(root.publicKey)).toBe(true);
  // Good for a day, not for years.
  expect(Date.parse(leaf.validTo) - Date.now()).toBeLessThanOrEqual(24 * 3600 * 1000 + 60_000);
});

test('the CA is name-constrained to the two hosts', () => {
  const text = execFileSync('openssl', ['x509', '-in', ca.caFile, '-noout', '-ext', 'nameConstraints'], { encoding: 'utf8' });
  expect(text).toMatch(/Name Constraints: critical/);
  expect(text.match(/DNS:\S+/g)).toEqual(['DNS:serverless.twilio.com', 'DNS:serverless-upload.twilio.com']);
});

test.each(REHEARSAL_HOSTS)('a client trusting only the CA accepts the leaf for %s', async (host) => {
  expect(await handshake(ca.leaf, host)).toBe('trusted');
});

test('a client refuses the leaf for any other name', async () => {
  expect(await handshake(ca.leaf, 'api.twilio.com')).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
});

test('a leaf the CA signs for another host does not verify: the name constraints refuse it', async () => {
  const stray = await ca.issueLeaf(['api.twilio.com']);
  expect(new X509Certificate(stray.certPem).checkIssued(new X509Certificate(ca.caPem))).toBe(true);
  expect(await handshake(stray, 'api.twilio.com')).toMatch(/PERMITTED_SUBTREE_VIOLATION|permitted subtree violation/);
});

test('each run has its own CA, and closing removes its files and key', async () => {
  const other = await createRehearsalCa();
  expect(other.caPem).not.toBe(ca.caPem);
  expect(existsSync(other.caFile)).toBe(true);
  other.close();
  expect(existsSync(dirname(other.caFile))).toBe(false);
});
