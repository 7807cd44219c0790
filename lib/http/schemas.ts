// Input validation of every endpoint: exact types (a JSON array or object where a string belongs is refused), lengths, formats.
// zod/mini: the same validators, tree-shakable, so the Functions' bundle stays small and loads fast.
import * as z from 'zod/mini';
import type {
  CheckDeviceRequest,
  CreateChallengeRequest,
  CreateFactorRequest,
  DeleteFactorRequest,
  ForgetDeviceRequest,
  RegenerateRecoveryCodesRequest,
  StudioCheckCodeRequest,
  UseRecoveryCodeRequest,
  VerifyFactorRequest,
} from '../contract';
import { KitError } from './kit-error';
import { DEVICE_TOKEN_LENGTH } from '../core/trusted-devices';
import { MAX_USER_KEY_LENGTH } from '../core/users';

export const MAX_LABEL_LENGTH = 64;
/** Shown as the account name in the authenticator app when the caller sends no label. */
export const DEFAULT_LABEL = 'Account';

/** No control characters (they would reach logs and the authenticator app's display). */
const PRINTABLE = /^[^\p{Cc}]*$/u;
/**
 * Format characters (Unicode Cf: bidirectional controls such as U+202E, zero-width spaces, the BOM, invisible
 * operators, tags) in a label would make the page, the authenticator app or the support tool show other text than is
 * stored (issue 24.6). The two joiners stay allowed: Persian, Indic scripts and emoji sequences need them, and they
 * reorder nothing.
 */
const FORMAT_CHARACTER = /(?![\u200c\u200d])\p{Cf}/u;

// Each field's validator is built by a function and each endpoint's schema is z.lazy: the one bundle holds every
// endpoint, and a cold start builds only the schema of the endpoint it serves (building zod schemas is most of what
// loading zod costs; docs/functions.md, figures).

/** Verify factor SIDs: YF + 32 hex; also rules out path characters such as ../ or ? in the Verify URL. */
const factorSid = () => z.string().check(z.regex(/^YF[0-9a-fA-F]{32}$/, 'must be a Verify factor SID (YF followed by 32 hex digits)'));
/** Verify accepts a TOTP AuthPayload of 3–8 characters; codes are digits, sent as strings to keep leading zeros. */
const code = () => z.string().check(z.regex(/^[0-9]{3,8}$/, 'must be a string of 3 to 8 digits'));
export const MAX_NONCE_LENGTH = 128;
/** The host's sign-in nonce: URL-safe characters only, so it cannot smuggle anything into the token or a log. */
const nonce = () =>
  z.string().check(
    z.regex(new RegExp(`^[A-Za-z0-9._~-]{1,${MAX_NONCE_LENGTH}}$`), `must be 1 to ${MAX_NONCE_LENGTH} URL-safe characters (A–Z, a–z, 0–9, . _ ~ -)`),
  );
/**
 * A trusted device's name ("Work laptop") is kept with nine others in the user's one Sync document, within 16 KiB: half
 * a factor label's length.
 */
export const MAX_DEVICE_LABEL_LENGTH = 32;
const label = (maxLength = MAX_LABEL_LENGTH) =>
  z.string().check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(maxLength, `must be at most ${maxLength} characters`),
    z.regex(PRINTABLE, 'must not contain control characters'),
    z.refine((value) => !FORMAT_CHARACTER.test(value), 'must not contain invisible format characters, such as bidirectional controls'),
    // Key Uri Format: "Neither issuer nor account name may themselves contain a colon."
    z.refine((value) => !value.includes(':'), 'must not contain a colon'),
  );
const user = () =>
  z.string().check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(MAX_USER_KEY_LENGTH, `must be at most ${MAX_USER_KEY_LENGTH} characters`),
    z.regex(PRINTABLE, 'must not contain control characters'),
  );
/** What a person types from a recovery sheet; its form (XXXXX-XXXXX, any case, spaces) is checked by the core. */
const recoveryCode = () => z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(32, 'must be at most 32 characters'));

/** A trusted device's token as the kit hands it out: 43 base64url characters. Anything else is bad input, not a guess. */
const deviceToken = () =>
  z.string().check(z.regex(new RegExp(`^[A-Za-z0-9_-]{${DEVICE_TOKEN_LENGTH}}$`), `must be a device token (${DEVICE_TOKEN_LENGTH} base64url characters)`));
const deviceId = () => z.string().check(z.regex(/^td_[0-9a-f]{16}$/, 'must be a trusted device id (td_ followed by 16 hex digits)'));
/** A yes/no field: a JSON boolean, or `true`/`false` in a form-encoded body (where every value is text). */
const flag = () =>
  z.pipe(
    z.unknown().check(z.refine((value) => value === true || value === false || value === 'true' || value === 'false', 'must be true or false')),
    z.transform((value) => value === true || value === 'true'),
  );
/** "Remember this device": the flag, and the user's name for the device, which needs the flag. */
const rememberFields = () => ({ rememberDevice: z.optional(flag()), deviceLabel: z.optional(label(MAX_DEVICE_LABEL_LENGTH)) });
const labelNeedsRemember = (input: { rememberDevice?: boolean; deviceLabel?: string }): boolean => input.deviceLabel === undefined || input.rememberDevice === true;
const LABEL_NEEDS_REMEMBER = 'deviceLabel needs rememberDevice: true';

export const createFactorSchema: z.ZodMiniType<CreateFactorRequest> = z.lazy(() => z.object({ label: z.optional(label()) }));
export const verifyFactorSchema: z.ZodMiniType<VerifyFactorRequest> = z.lazy(() => z.object({ factorSid: factorSid(), code: code() }));
export const createChallengeSchema: z.ZodMiniType<CreateChallengeRequest> = z.lazy(() =>
  z
    .object({
      code: code(),
      factorSid: z.optional(factorSid()),
      nonce: z.optional(nonce()),
      ...rememberFields(),
    })
    .check(z.refine(labelNeedsRemember, LABEL_NEEDS_REMEMBER)),
);
/** Endpoints that take no input (list-factors, list-activity): an empty JSON object or form. */
export const noInputSchema: z.ZodMiniType<Record<string, never>> = z.lazy(() =>
  z.pipe(
    z.object({}),
    z.transform(() => ({})),
  ),
);
export const deleteFactorSchema: z.ZodMiniType<DeleteFactorRequest> = z.lazy(() =>
  z
    .object({ factorSid: factorSid(), code: z.optional(code()), recoveryCode: z.optional(recoveryCode()) })
    .check(z.refine((input) => input.code === undefined || input.recoveryCode === undefined, 'must hold code or recoveryCode, not both')),
);
export const useRecoveryCodeSchema: z.ZodMiniType<UseRecoveryCodeRequest> = z.lazy(() =>
  z.object({ code: recoveryCode(), nonce: z.optional(nonce()), ...rememberFields() }).check(z.refine(labelNeedsRemember, LABEL_NEEDS_REMEMBER)),
);
export const checkDeviceSchema: z.ZodMiniType<CheckDeviceRequest> = z.lazy(() => z.object({ deviceToken: deviceToken(), nonce: z.optional(nonce()) }));
/** One device or all of them, never both: a page that sends both has a bug worth hearing about. */
export const forgetDeviceSchema = z.lazy(() =>
  z
    .object({ deviceId: z.optional(deviceId()), all: z.optional(flag()) })
    .check(z.refine((input) => (input.deviceId === undefined) !== (input.all !== true), 'must hold deviceId or all: true, one of them')),
) as unknown as z.ZodMiniType<ForgetDeviceRequest>;
export const regenerateRecoveryCodesSchema: z.ZodMiniType<RegenerateRecoveryCodesRequest> = z.lazy(() => z.object({ code: code() }));
/** Studio passes what the caller keyed in; a malformed code is an outcome (`invalid`) there, so it is checked apart. */
export const studioCheckCodeSchema: z.ZodMiniType<Omit<StudioCheckCodeRequest, 'code'> & { code?: unknown }> = z.lazy(() =>
  z.object({
    user: user(),
    code: z.optional(z.unknown()),
  }),
);
const wellFormedCode = z.lazy(code);

export function isWellFormedCode(value: unknown): value is string {
  return wellFormedCode.safeParse(value).success;
}

/** Validates the request fields; the error names the fields and the rule, never the submitted values. */
export function parseInput<T>(schema: z.ZodMiniType<T>, fields: Record<string, unknown>): T {
  const result = schema.safeParse(fields);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || 'body';
    const missing = issue.code === 'invalid_type' && issue.path.length === 1 && fields[field] === undefined;
    const rule = missing ? 'is required' : issue.code === 'invalid_type' ? `must be a ${String(issue.expected)}` : issue.message;
    return `${field} ${rule}`;
  });
  throw new KitError('invalid_request', { message: `Invalid request: ${[...new Set(problems)].join('; ')}.` });
}
