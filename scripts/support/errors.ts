// The support tool's exit codes, one per kind of outcome a script may branch on, and the one place errors get them.
import { Failure, type FailureKind } from '../../lib/core/failures';
import { CliSettingError } from '../twilio-cli-client';

/** The README's exit code table (Support runbook) lists these; a script can rely on them. */
export const EXIT = {
  ok: 0,
  /** Anything unexpected, or a user state document the kit did not write (unlock cannot read it; reset replaces it). */
  unexpected: 1,
  /** Bad arguments, a missing or invalid variable, credentials or a service that Twilio refuses, no terminal to confirm on. */
  usage: 2,
  /** Neither factors in Verify nor state in Sync for this user id (a typo, or another IDENTITY_SECRET). */
  unknownUser: 3,
  /** Twilio (or the emulator) could not be reached, or did not answer usably in time. */
  unreachable: 4,
  /** `reset` was not confirmed: nothing was removed. */
  notConfirmed: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A stable word for `--json` output, next to the exit code. */
export type SupportErrorCode = 'unexpected' | 'usage' | 'configuration' | 'unknown_user' | 'twilio_unreachable' | 'not_confirmed' | 'unreadable_state';

export class SupportError extends Error {
  override readonly name = 'SupportError';
  constructor(
    readonly exitCode: ExitCode,
    readonly code: SupportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function usageError(message: string): SupportError {
  return new SupportError(EXIT.usage, 'usage', message);
}

export function configurationError(message: string): SupportError {
  return new SupportError(EXIT.usage, 'configuration', message);
}

/** Failure kinds of the kit's gateways that mean "Twilio did not answer usably": worth running again later. */
const UNREACHABLE: ReadonlySet<FailureKind> = new Set([
  'upstream_unavailable',
  'upstream_timeout',
  'upstream_error',
  'upstream_rate_limited',
  'state_unavailable',
]);

/** Turns whatever was thrown into a SupportError; `target` names where the tool was talking to (Twilio or the emulator). */
export function toSupportError(error: unknown, target: string): SupportError {
  if (error instanceof SupportError) return error;
  if (error instanceof CliSettingError) return configurationError(error.message);
  // deriveIdentity refuses a user id that is not well-formed Unicode.
  if (error instanceof Failure && error.kind === 'malformed_user_key') return usageError('the user id must be well-formed Unicode');
  if (error instanceof Failure) {
    const detail = error.logDetail ?? error.kind;
    if (error.kind === 'misconfigured') return configurationError(`${target} refused the request: ${detail}`);
    if (UNREACHABLE.has(error.kind)) return new SupportError(EXIT.unreachable, 'twilio_unreachable', `${target} did not answer usably: ${detail}`);
    return new SupportError(EXIT.unexpected, 'unexpected', `${target} answered something unexpected: ${detail}`);
  }
  return new SupportError(EXIT.unexpected, 'unexpected', error instanceof Error ? error.message : String(error));
}
