// Checks of Serverless's form parameters, each failing as Twilio's 20001: required ones named as missing, limits from
// the OpenAPI description's words (FriendlyName ≤ 255, UniqueName ≤ 50 or 100, Key ≤ 128, Value ≤ 450 bytes …).
import { missingParameter } from '../core/errors';
import type { FormParams } from '../core/form';
import { invalidServerlessParameter } from './errors';

/** A present parameter of at most `maxLength` characters (or bytes, with `bytes`); an empty one is invalid. */
export function optionalText(params: FormParams, name: string, maxLength: number, options: { bytes?: boolean; pattern?: RegExp } = {}): string | undefined {
  const value = params.string(name);
  if (value === undefined) return undefined;
  const length = options.bytes ? Buffer.byteLength(value, 'utf8') : value.length;
  if (value === '' || length > maxLength || (options.pattern !== undefined && !options.pattern.test(value))) throw invalidServerlessParameter(name);
  return value;
}

export function requiredText(params: FormParams, name: string, maxLength: number, options: { bytes?: boolean; pattern?: RegExp } = {}): string {
  const value = optionalText(params, name, maxLength, options);
  if (value === undefined) throw missingParameter(name);
  return value;
}

/** Twilio's booleans: `true`/`false` in any case. */
export function optionalBoolean(params: FormParams, name: string): boolean | undefined {
  return params.boolean(name, () => invalidServerlessParameter(name));
}

/** A Function or Asset path: a leading `/` is added when missing (FunctionVersion docs), at most 255 characters. */
export function normalizePath(path: string): string | undefined {
  const withSlash = path.startsWith('/') ? path : `/${path}`;
  return withSlash.length > 255 || /[\s?#]/.test(withSlash) ? undefined : withSlash;
}
