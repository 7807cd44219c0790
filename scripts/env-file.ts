// Reads a .env file exactly as twilio-run does, and sets single variables in it without touching other lines.
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

type DotenvParse = (source: string) => Record<string, string>;

/** twilio-run's own dotenv, so a value means here what it will mean when twilio-run uploads it. */
function loadTwilioRunDotenv(): DotenvParse {
  const twilioRunDir = dirname(require.resolve('twilio-run/package.json'));
  return (require(require.resolve('dotenv', { paths: [twilioRunDir] })) as { parse: DotenvParse }).parse;
}

export interface EnvFile {
  path: string;
  /** The file's text, '' when it does not exist yet. */
  text: string;
  values: Readonly<Record<string, string>>;
}

export function readEnvFile(path: string): EnvFile {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  return { path, text, values: loadTwilioRunDotenv()(text) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Returns `text` with `NAME=value` replacing the variable's line (every line, if repeated) or appended at the end. */
export function setEnvVariable(text: string, name: string, value: string): string {
  const line = new RegExp(`^[ \\t]*${escapeRegExp(name)}[ \\t]*=.*$`, 'gm');
  if (line.test(text)) return text.replace(line, `${name}=${value}`);
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${separator}${name}=${value}\n`;
}

/** Returns `text` without the variable's lines (every line, if repeated). */
export function removeEnvVariable(text: string, name: string): string {
  return text.replace(new RegExp(`^[ \\t]*${escapeRegExp(name)}[ \\t]*=.*(\\n|$)`, 'gm'), '');
}

/** Writes via a temporary file and rename, so an interrupted run never leaves a half-written .env.
 *  A new file is owner-only (it holds secrets); an existing one keeps its permissions. */
export function writeEnvFile(path: string, text: string): void {
  const mode = existsSync(path) ? statSync(path).mode & 0o777 : 0o600;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}
