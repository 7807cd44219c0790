// The deploy rehearsal's throwaway certificate authority: made fresh per run by the `openssl` command, constrained to
// the Twilio hosts it stands in for (the two Serverless hosts by default), and gone (files and key) when closed.
// Never part of a real deploy.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The hosts `@twilio-labs/serverless-api` calls: the API and the upload host for Function and Asset Versions. */
export const REHEARSAL_HOSTS = ['serverless.twilio.com', 'serverless-upload.twilio.com'] as const;

/** The hosts the served build's Functions call through their twilio client: the emulated Verify and Sync. */
export const TWILIO_API_HOSTS = ['verify.twilio.com', 'sync.twilio.com'] as const;

/** A day is plenty for one run; a stray file outlives its use by hours at most. */
const VALID_DAYS = 1;

export interface Leaf {
  /** The DNS names in its subjectAltName, exactly. */
  names: readonly string[];
  certPem: string;
  keyPem: string;
}

export interface RehearsalCa {
  /** The CA certificate (PEM file): what a child process trusts through NODE_EXTRA_CA_CERTS. */
  caFile: string;
  caPem: string;
  /** The server certificate for exactly the CA's hosts. */
  leaf: Leaf;
  /**
   * Signs another leaf with this CA. The rehearsal needs only `leaf`; this exists so a test can show that the name
   * constraints refuse anything else.
   */
  issueLeaf(names: readonly string[]): Promise<Leaf>;
  /** Removes the directory with the CA's private key. */
  close(): void;
}

/** `openssl` missing or failing, with what it said. */
export class RehearsalCaError extends Error {
  override name = 'RehearsalCaError';
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new RehearsalCaError('the deploy rehearsal needs the `openssl` command (Debian: apt-get install openssl)');
    }
    throw new RehearsalCaError(`openssl ${args[0] ?? ''} failed: ${(failure.stderr ?? failure.message).trim()}`);
  }
}

/**
 * One config file for both certificates (sections picked by -extensions), so the same commands work with OpenSSL's
 * and LibreSSL's `openssl`, which differ in their -addext and -CA support.
 */
function configText(hosts: readonly string[], leafNames: readonly string[]): string {
  const permitted = hosts.map((host) => `permitted;DNS:${host}`).join(',');
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    'CN = totp-functions deploy rehearsal (throwaway)',
    '[ca]',
    'basicConstraints = critical,CA:TRUE,pathlen:0',
    'keyUsage = critical,keyCertSign,cRLSign',
    // RFC 5280 §4.2.1.10: a verifier refuses any certificate below this CA for another name, so a leaked key could
    // vouch for these two hosts (and names under them) only, in a process that trusts this CA.
    `nameConstraints = critical,${permitted}`,
    'subjectKeyIdentifier = hash',
    '[leaf]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = ${leafNames.map((name) => `DNS:${name}`).join(',')}`,
    'authorityKeyIdentifier = keyid',
    '',
  ].join('\n');
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A fresh CA in a fresh temporary directory, constrained to `hosts`, and its leaf for exactly them. */
export async function createRehearsalCa(hosts: readonly string[] = REHEARSAL_HOSTS): Promise<RehearsalCa> {
  if (hosts.length === 0) throw new RehearsalCaError('a CA needs at least one host');
  const dir = mkdtempSync(join(tmpdir(), 'totp-rehearsal-ca-'));
  let leaves = 0;
  const close = (): void => rmSync(dir, { recursive: true, force: true });

  async function issueLeaf(names: readonly string[]): Promise<Leaf> {
    if (names.length === 0) throw new RehearsalCaError('a leaf needs at least one name');
    leaves += 1;
    const base = `leaf-${leaves}`;
    writeFileSync(join(dir, `${base}.cnf`), configText(hosts, names));
    await openssl(['req', '-new', ...EC_KEY, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-config', `${base}.cnf`, '-subj', `/CN=${names[0]}`], dir);
    await openssl(
      ['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(16).toString('hex')}`,
        '-days', String(VALID_DAYS), '-sha256', '-extfile', `${base}.cnf`, '-extensions', 'leaf', '-out', `${base}.crt`],
      dir,
    );
    return { names: [...names], certPem: readFileSync(join(dir, `${base}.crt`), 'utf8'), keyPem: readFileSync(join(dir, `${base}.key`), 'utf8') };
  }

  try {
    writeFileSync(join(dir, 'ca.cnf'), configText(hosts, hosts));
    await openssl(
      ['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', String(VALID_DAYS), '-sha256',
        '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-config', 'ca.cnf', '-extensions', 'ca'],
      dir,
    );
    const leaf = await issueLeaf(hosts);
    const caFile = join(dir, 'ca.crt');
    return { caFile, caPem: readFileSync(caFile, 'utf8'), leaf, issueLeaf, close };
  } catch (error) {
    close();
    throw error;
  }
}
