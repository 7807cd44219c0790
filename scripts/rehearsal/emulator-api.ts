// The rehearsal's own calls to the emulator it deploys to: its control endpoints, and the Twilio APIs as a request to
// that Twilio host would reach it through the rehearsal's proxy (the Host header names the host, over https).
import { request } from 'node:http';

export interface RehearsalEmulator {
  /** The emulator's address, e.g. http://127.0.0.1:4010 */
  url: string;
  accountSid: string;
  authToken: string;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** One request; `host` is the Twilio host it is for (serverless.twilio.com), or none for the emulator's own paths. */
export function emulatorRequest(emulator: RehearsalEmulator, method: string, path: string, host?: string): Promise<ApiAnswer> {
  const target = new URL(emulator.url);
  const headers: Record<string, string> = {
    Authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
    Accept: 'application/json',
    ...(host === undefined ? {} : { Host: host, 'X-Forwarded-Proto': 'https' }),
  };
  return new Promise((resolve, reject) => {
    const sent = request({ hostname: target.hostname, port: target.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          // not JSON: kept as text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    sent.on('error', reject);
    sent.end();
  });
}

/** Whether an emulator answers at `emulator.url` with these credentials. */
export async function emulatorAnswers(emulator: RehearsalEmulator): Promise<boolean> {
  try {
    return (await emulatorRequest(emulator, 'GET', '/__emulator/clock')).status === 200;
  } catch {
    return false;
  }
}
