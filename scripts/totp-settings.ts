// The Verify service's TOTP settings: where each comes from, Twilio's allowed ranges, the standards' bounds within them
// (lib/core/totp-bounds.ts), and what authenticator apps cope with.
import { MAX_SKEW_STEPS, MAX_TIME_STEP_SECONDS, totpTimingProblems } from '../lib/core/totp-bounds';

export interface TotpSettings {
  /** Verify service friendly name (also the issuer when none is set). */
  serviceName: string;
  /** Shown as the account's issuer in authenticator apps. */
  issuer: string;
  /** Seconds per code (RFC 6238 "X"). */
  timeStep: number;
  /** Digits per code. */
  codeLength: number;
  /** Time steps accepted before and after the current one. */
  skew: number;
}
export type SettingName = keyof TotpSettings;

/** Verify's defaults (the service API applies them when a factor is created). */
export const DEFAULT_SETTINGS: TotpSettings = {
  serviceName: 'TOTP Functions',
  issuer: 'TOTP Functions',
  timeStep: 30,
  codeLength: 6,
  skew: 1,
};

/** Where a setting can be given: a `npm run setup -- --flag` or an environment / .env variable. */
export const SETTING_SOURCES: Readonly<Record<SettingName, { flag: string; variable: string }>> = {
  serviceName: { flag: 'service-name', variable: 'VERIFY_SERVICE_NAME' },
  issuer: { flag: 'issuer', variable: 'TOTP_ISSUER' },
  timeStep: { flag: 'time-step', variable: 'TOTP_TIME_STEP' },
  codeLength: { flag: 'code-length', variable: 'TOTP_CODE_LENGTH' },
  skew: { flag: 'skew', variable: 'TOTP_SKEW' },
};

/**
 * Verify v2 Service parameters: Totp.TimeStep 20–60, Totp.CodeLength 3–8, Totp.Skew 0–2. Of those the kit takes what
 * the standards allow: a time step of at most 30 s and a skew of at most 1 (lib/core/totp-bounds.ts says why).
 */
const INTEGER_RANGES = { timeStep: [20, MAX_TIME_STEP_SECONDS], codeLength: [3, 8], skew: [0, MAX_SKEW_STEPS] } as const;
/** Verify's own ranges, for the message that says why a value Verify would take is still refused. */
const VERIFY_RANGES = { timeStep: [20, 60], codeLength: [3, 8], skew: [0, 2] } as const;
/** FriendlyName: up to 30 characters, letters, digits, spaces, dashes and underscores, at most 4 digits, no PII. */
const SERVICE_NAME = /^[A-Za-z0-9 _-]{1,30}$/;
const MAX_ISSUER_LENGTH = 64;

export type RawSettings = Partial<Record<SettingName, string>>;

/** Parses the raw strings that were given; returns the parsed values or every problem found (never a partial mix). */
export function parseSettings(raw: RawSettings): { settings: Partial<TotpSettings>; problems: string[] } {
  const settings: Partial<TotpSettings> = {};
  const problems: string[] = [];
  const label = (name: SettingName): string => `${SETTING_SOURCES[name].variable} (--${SETTING_SOURCES[name].flag})`;

  if (raw.serviceName !== undefined) {
    const name = raw.serviceName.trim();
    if (!SERVICE_NAME.test(name) || (name.match(/\d/g) ?? []).length > 4) {
      problems.push(`${label('serviceName')} must be 1–30 letters, digits, spaces, dashes or underscores, with at most 4 digits`);
    } else settings.serviceName = name;
  }
  if (raw.issuer !== undefined) {
    const issuer = raw.issuer.trim();
    // Key-Uri format: the label is "issuer:account"; a colon inside the issuer is read differently by different apps.
    if (issuer === '' || issuer.length > MAX_ISSUER_LENGTH || issuer.includes(':')) {
      problems.push(`${label('issuer')} must be 1–${MAX_ISSUER_LENGTH} characters without ":"`);
    } else settings.issuer = issuer;
  }
  for (const name of ['timeStep', 'codeLength', 'skew'] as const) {
    const text = raw[name];
    if (text === undefined) continue;
    const [min, max] = INTEGER_RANGES[name];
    const value = Number(text.trim());
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
      // Within Verify's range but beyond the standards': say which standard, not only the numbers.
      const [, verifyMax] = VERIFY_RANGES[name];
      const why = /^\d+$/.test(text.trim()) && value > max && value <= verifyMax ? `: ${totpTimingProblems({ timeStep: 0, skew: 0, [name]: value }).join('; ')}` : '';
      problems.push(`${label(name)} must be a whole number from ${min} to ${max}, not "${text}"${why}`);
    } else settings[name] = value;
  }
  return { settings, problems };
}

/** What the factor's codes look like to an authenticator app (otpauth:// Key-Uri parameters). */
export interface AppFacingSettings {
  algorithm: string;
  codeLength: number;
  timeStep: number;
}

/**
 * Settings that common authenticator apps silently ignore, so their codes never match (see the app issue trackers
 * cited in the Verify reference, §9), and the code length at which Twilio lowers its challenge limits.
 */
export function authenticatorWarnings({ algorithm, codeLength, timeStep }: AppFacingSettings): string[] {
  const warnings: string[] = [];
  if (algorithm.toUpperCase() !== 'SHA1') {
    warnings.push(
      `algorithm ${algorithm}: Microsoft Authenticator and Authy always compute SHA1 codes, so their codes will never match`,
    );
  }
  if (codeLength !== 6) {
    warnings.push(`code length ${codeLength}: Microsoft Authenticator shows only 6-digit codes, so its codes will never match`);
  }
  if (timeStep !== 30) {
    warnings.push(
      `time step ${timeStep} s: Google Authenticator on Android and Authy always use 30 s, so their codes match only by chance`,
    );
  }
  if (codeLength <= 4) {
    warnings.push(
      `code length ${codeLength}: Twilio allows only 10 challenges per factor per 24 h for codes of 4 digits or fewer ` +
        '(50 per hour and 100 per 24 h from 5 digits)',
    );
  }
  return warnings;
}
