// A real node:http server standing in for the kit's /studio/check-code Function: it checks X-Twilio-Signature as a
// .protected Function's gateway does (twilio's validateRequest), refuses what is unsigned, and answers as told.
import type { StudioStatus } from '../../../lib/contract';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';

/** What the stand-in answers: a JSON body by default, or raw text with its own content type. */
export interface StandInAnswer {
  status?: number;
  json?: unknown;
  text?: string;
  contentType?: string;
}

export interface SeenRequest {
  path: string;
  params: Record<string, string>;
  signed: boolean;
}

export interface FunctionStandIn {
  /** The Function's URL on this server, as the flow's run-function widget names it. */
  url: string;
  requests: SeenRequest[];
  /** Decides each answer from the posted parameters; runs only for correctly signed requests. */
  answer: (params: Record<string, string>) => StandInAnswer;
  close(): Promise<void>;
}

/** The kit's Function answer, `{status}`, in one place: renaming `status` here breaks the flow's Split. */
/** What /studio/check-code answers, typed from the kit's contract so a new status reaches these tests. */
export function checkCodeAnswer(status: StudioStatus): StandInAnswer {
  return { json: { status } };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFunctionStandIn(authToken: string): Promise<FunctionStandIn> {
  const requests: SeenRequest[] = [];
  const standIn: FunctionStandIn = {
    url: '',
    requests,
    answer: () => checkCodeAnswer('approved'),
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
  const server: Server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const signature = request.headers['x-twilio-signature'];
      // The URL Twilio signed is the one it requested: scheme, host and path as the widget named them.
      const url = `http://${request.headers.host ?? ''}${request.url ?? ''}`;
      const signed = typeof signature === 'string' && validateRequest(authToken, signature, url, params);
      requests.push({ path: request.url ?? '', params, signed });
      if (!signed) {
        response.writeHead(401, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ message: 'Unauthorized: X-Twilio-Signature does not match' }));
        return;
      }
      const answer = standIn.answer(params);
      const text = answer.text ?? JSON.stringify(answer.json ?? {});
      response.writeHead(answer.status ?? 200, { 'Content-Type': answer.contentType ?? 'application/json; charset=utf-8' });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/studio/check-code`;
  return standIn;
}

/** A URL on which nothing listens: a port taken from the system and released again. */
export async function unreachableUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/studio/check-code`;
}
