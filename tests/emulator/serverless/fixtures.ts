// Shared fixtures for the Serverless suites: uploads as @twilio-labs/serverless-api sends them (multipart, on the
// upload host), raw requests to Serverless's hosts, and a service with one uploaded Function and Asset.
import { request } from 'node:http';
import type { TestEmulator } from '../../helpers/emulator';

export const API_HOST = 'serverless.twilio.com';
export const UPLOAD_HOST = 'serverless-upload.twilio.com';
/** What twilio-run sends for the kit (package.json's dependencies), before its extra pair of quotes. */
export const KIT_DEPENDENCIES = [
  { name: '@twilio/runtime-handler', version: '2.0.1' },
  { name: 'twilio', version: '6.2.0' },
];

export interface RawAnswer {
  status: number;
  body: unknown;
}

/** One request to `host` on the emulator, as the rehearsal proxy hands it on (Host kept, X-Forwarded-Proto https). */
export function hostRequest(emulator: TestEmulator, host: string, method: string, path: string, body?: { type: string; data: Buffer }): Promise<RawAnswer> {
  const target = new URL(emulator.url);
  return new Promise((resolve, reject) => {
    const sent = request(
      {
        hostname: target.hostname,
        port: target.port,
        method,
        path,
        headers: {
          Host: host,
          'X-Forwarded-Proto': 'https',
          Authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
          ...(body === undefined ? {} : { 'Content-Type': body.type, 'Content-Length': String(body.data.length) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as unknown) });
        });
      },
    );
    sent.on('error', reject);
    sent.end(body?.data);
  });
}

/** A form-urlencoded body with repeated keys for arrays, as serverless-api's builds.js writes CreateBuild. */
export function formBody(fields: Record<string, string | readonly string[]>): { type: string; data: Buffer } {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const one of typeof value === 'string' ? [value] : value) query.append(name, one);
  return { type: 'application/x-www-form-urlencoded', data: Buffer.from(query.toString()) };
}

export interface UploadParts {
  path: string;
  visibility: string;
  content: Buffer | string;
  contentType?: string;
}

/** The multipart body serverless-api's form-data makes: Path, Visibility, then Content with a filename and type. */
export function multipartBody(parts: UploadParts): { type: string; data: Buffer } {
  const boundary = `--------------------------${'0123456789abcdef01234567'}`;
  const field = (name: string, value: string): Buffer => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const filename = parts.path.split('/').pop() ?? 'file';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="Content"; filename="${filename}"\r\nContent-Type: ${parts.contentType ?? 'application/javascript'}\r\n\r\n`,
  );
  const content = typeof parts.content === 'string' ? Buffer.from(parts.content) : parts.content;
  return {
    type: `multipart/form-data; boundary=${boundary}`,
    data: Buffer.concat([field('Path', parts.path), field('Visibility', parts.visibility), head, content, Buffer.from(`\r\n--${boundary}--\r\n`)]),
  };
}

/** Uploads a Function or Asset Version on the upload host; resolves with the raw answer. */
export function upload(emulator: TestEmulator, kind: 'Functions' | 'Assets', serviceSid: string, resourceSid: string, parts: UploadParts, host = UPLOAD_HOST): Promise<RawAnswer> {
  return hostRequest(emulator, host, 'POST', `/v1/Services/${serviceSid}/${kind}/${resourceSid}/Versions`, multipartBody(parts));
}

/** Uploads and expects 201; returns the Version SID. */
export async function uploaded(emulator: TestEmulator, kind: 'Functions' | 'Assets', serviceSid: string, resourceSid: string, parts: UploadParts): Promise<string> {
  const answer = await upload(emulator, kind, serviceSid, resourceSid, parts);
  if (answer.status !== 201) throw new Error(`upload of ${parts.path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return (answer.body as { sid: string }).sid;
}

let names = 0;

/** A new service with one public Function and one public Asset uploaded, through the real client and the upload host. */
export async function serviceWithFiles(emulator: TestEmulator): Promise<{ serviceSid: string; functionSid: string; functionVersionSid: string; assetSid: string; assetVersionSid: string }> {
  names += 1;
  const serverless = emulator.client.serverless.v1;
  const service = await serverless.services.create({ uniqueName: `fixture-${names}`, friendlyName: `Fixture ${names}` });
  const fn = await serverless.services(service.sid).functions.create({ friendlyName: '/hello' });
  const asset = await serverless.services(service.sid).assets.create({ friendlyName: '/index.html' });
  const functionVersionSid = await uploaded(emulator, 'Functions', service.sid, fn.sid, { path: '/hello', visibility: 'public', content: 'exports.handler = (context, event, callback) => callback(null, "hi");' });
  const assetVersionSid = await uploaded(emulator, 'Assets', service.sid, asset.sid, { path: '/index.html', visibility: 'public', content: '<!doctype html><title>hi</title>', contentType: 'text/html' });
  return { serviceSid: service.sid, functionSid: fn.sid, functionVersionSid, assetSid: asset.sid, assetVersionSid };
}

/** The twilio client's RestException as {status, code, message}, or the value when the call succeeded. */
export async function refusalOf(call: Promise<unknown>): Promise<{ status: number; code: number; message: string } | 'succeeded'> {
  try {
    await call;
    return 'succeeded';
  } catch (error) {
    const { status, code, message } = error as { status: number; code: number; message: string };
    return { status, code, message };
  }
}
