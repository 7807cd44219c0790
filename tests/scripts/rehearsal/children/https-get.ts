// Child process for the proxy tests: one GET through the proxy in HTTPS_PROXY, with the same agent (hpagent) that
// @twilio-labs/serverless-api uses; prints {status, body} or {error} as one JSON line.
import { get } from 'node:https';
import { dirname } from 'node:path';

// The copy serverless-api itself loads (hpagent is its dependency, not the kit's).
const hpagentPath = require.resolve('hpagent', { paths: [dirname(require.resolve('@twilio-labs/serverless-api'))] });
const { HttpsProxyAgent } = require(hpagentPath) as typeof import('hpagent');

const url = process.argv[2] ?? '';
const proxy = process.env.HTTPS_PROXY ?? '';
const agent = new HttpsProxyAgent({ proxy });

get(url, { agent }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (body += chunk));
  res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body })));
}).on('error', (error: NodeJS.ErrnoException) => {
  console.log(JSON.stringify({ error: `${error.code ?? ''} ${error.message}`.trim() }));
  process.exitCode = 1;
});
