// `npm run sign -- <url> name=value ...`: signs a form request with X-Twilio-Signature as Twilio (or Studio) signs it,
// to call a `.protected` Function by hand; prints the signature, or with --curl the whole curl command.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { twilioSignature } from '../emulator/core/gateway-signature';
import { readEnvValues } from './local-env';
import { localEnvFile } from './token';

const USAGE = `Usage: npm run --silent sign -- [--env <file>] [--curl] <url> [name=value ...]
  <url>         the address you will call, exactly (scheme, host, port, path, query): it is part of the signature
  name=value    the form fields you will send (any order; a name twice sends both values)
  --env <file>  where AUTH_TOKEN is read (default: ENV_FILE, else .env.local, which npm start writes)
  --curl        print a curl command that sends the signed request, instead of the signature alone`;

export interface SignCommand {
  url: string;
  fields: Array<[string, string]>;
  curl: boolean;
  envFile: string | undefined;
}

/** Usage errors (exit 2). */
export class SignUsageError extends Error {
  override name = 'SignUsageError';
}

export function parseSignArgs(argv: string[]): SignCommand | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { env: { type: 'string' }, curl: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return 'help';
  const [url, ...rest] = positionals;
  if (url === undefined || !/^https?:\/\/[^/]/i.test(url)) throw new SignUsageError('the first argument must be the full http(s) URL you will call');
  const fields = rest.map((field): [string, string] => {
    const at = field.indexOf('=');
    if (at <= 0) throw new SignUsageError(`"${field}" is not name=value`);
    return [field.slice(0, at), field.slice(at + 1)];
  });
  return { url, fields, curl: values.curl === true, envFile: values.env === undefined ? undefined : resolve(values.env) };
}

/** The form's parameters as the signature takes them: a name given twice keeps both values. */
function paramsOf(fields: ReadonlyArray<[string, string]>): Record<string, string[]> {
  const params = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of fields) (params[name] ??= []).push(value);
  return params;
}

/** POSIX shell single quotes: safe for any text. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function signCommand(authToken: string, command: SignCommand): string {
  const signature = twilioSignature(authToken, command.url, paramsOf(command.fields));
  if (!command.curl) return signature;
  // --data-urlencode encodes each value as a form does; the gateway decodes it back before checking.
  const data = command.fields.length === 0 ? ['-X', 'POST'] : command.fields.flatMap(([name, value]) => ['--data-urlencode', quote(`${name}=${value}`)]);
  return ['curl', '-s', quote(command.url), '-H', quote(`X-Twilio-Signature: ${signature}`), ...data].join(' ');
}

function main(argv: string[]): number {
  let command: SignCommand | 'help';
  try {
    command = parseSignArgs(argv);
  } catch (error) {
    console.error(`npm run sign: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (command === 'help') {
    console.log(USAGE);
    return 0;
  }
  const envFile = command.envFile ?? localEnvFile(process.env);
  if (!existsSync(envFile)) {
    console.error(command.envFile === undefined && !process.env.ENV_FILE ? 'no .env.local yet: run `npm start` once first (or pass --env <file>)' : `${envFile} does not exist`);
    return 1;
  }
  const authToken = readEnvValues(envFile).AUTH_TOKEN;
  if (!authToken) {
    console.error(`AUTH_TOKEN is not set in ${envFile}: it is the key of the signature`);
    return 1;
  }
  console.log(signCommand(authToken, command));
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
