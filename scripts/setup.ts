// `npm run setup`: creates or updates the Verify service with its TOTP settings, creates or reuses the Sync service for
// the kit's own state, fills .env with what a deploy needs, and after a deploy publishes the Studio flow with its SIDs.
// Idempotent: a second run with the same settings changes nothing, and existing secrets are never replaced.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type twilio from 'twilio';
import { readEnvFile, setEnvVariable, writeEnvFile } from './env-file';
import { attachInstructions, findDeployment, publishVoiceFlow, type PublishedFlow } from './studio-flow';
import { CliSettingError, createCliClient, emulatorUrlFrom, type Lookup } from './twilio-cli-client';
import {
  DEFAULT_SETTINGS,
  SETTING_SOURCES,
  authenticatorWarnings,
  parseSettings,
  type RawSettings,
  type SettingName,
  type TotpSettings,
} from './totp-settings';
import { totpTimingProblems } from '../lib/core/totp-bounds';

/** Secrets the Functions need and nobody else has to know; generated once, never overwritten. */
export const GENERATED_SECRETS = ['IDENTITY_SECRET', 'RECOVERY_CODE_SECRET'] as const;
/** How approval tokens are signed: ES256 (the default; backends verify with the public key) or an HS256 shared secret. */
export type ApprovalSigning = 'ES256' | 'HS256';
const APPROVAL_SIGNING_VARIABLES: Record<ApprovalSigning, string> = { ES256: 'APPROVAL_SIGNING_KEY', HS256: 'APPROVAL_SIGNING_SECRET' };
/** lib/config.ts refuses shorter secrets (RFC 7518 §3.2: an HS256 key has at least 256 bits). */
const MIN_SECRET_LENGTH = 32;
const SERVICE_SID = /^VA[0-9a-fA-F]{32}$/;
const SYNC_SERVICE_SID = /^IS[0-9a-fA-F]{32}$/;
/** Verify factors use SHA1 unless created with Config.Alg, which this kit's create-factor never sends. */
const FACTOR_ALGORITHM = 'SHA1';
const REQUEST_TIMEOUT_MS = 15000;

export class SetupError extends Error {
  override name = 'SetupError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export interface SetupOptions {
  /** The dotenv file to read settings from and write VERIFY_SERVICE_SID and secrets to (usually .env). */
  envFile: string;
  /** Values from command-line flags; they win over the environment and the env file. */
  flags?: RawSettings;
  /** The process environment; wins over the env file (dotenv convention). Pass {} to use the file alone. */
  environment?: Readonly<Record<string, string | undefined>>;
  /** What to generate when the env file has no approval signing key or secret yet (default ES256). */
  approvalSigning?: ApprovalSigning;
}

export interface SetupResult {
  /** Where the service lives: Twilio, or the emulator's address for local runs. */
  target: string;
  serviceSid: string;
  action: 'created' | 'updated' | 'unchanged';
  /** The Sync service holding the kit's state (lockout, used codes, enrollment in flight), or `default`. */
  syncServiceSid: string;
  syncAction: 'created' | 'unchanged';
  /** The settings in force on the service after the run. */
  settings: TotpSettings;
  /** Variables written to the env file (names only; values are secrets). */
  written: string[];
  warnings: string[];
  /** The Studio flow published with the deployment's SIDs, or undefined before the first deploy. */
  voiceFlow: PublishedFlow | undefined;
}

/** The Verify service's `totp` object: null members mean "Verify's default". */
interface ServiceTotp {
  issuer?: string | null;
  time_step?: number | null;
  code_length?: number | null;
  skew?: number | null;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function rawSettingsFrom(flags: RawSettings, lookup: Lookup): RawSettings {
  const raw: RawSettings = {};
  for (const name of Object.keys(SETTING_SOURCES) as SettingName[]) {
    const value = flags[name] ?? nonEmpty(lookup(SETTING_SOURCES[name].variable));
    if (value !== undefined) raw[name] = value;
  }
  return raw;
}

/** The CLI client, its setting errors said the way setup says every problem. */
function createClient(lookup: Lookup): twilio.Twilio {
  try {
    return createCliClient(lookup, REQUEST_TIMEOUT_MS);
  } catch (error) {
    throw error instanceof CliSettingError ? new SetupError([error.message]) : error;
  }
}

function emulatorTarget(lookup: Lookup): string | undefined {
  try {
    return emulatorUrlFrom(lookup);
  } catch (error) {
    throw error instanceof CliSettingError ? new SetupError([error.message]) : error;
  }
}

function settingsInForce(friendlyName: string, totp: ServiceTotp | null | undefined): TotpSettings {
  return {
    serviceName: friendlyName,
    issuer: totp?.issuer ?? friendlyName,
    timeStep: totp?.time_step ?? DEFAULT_SETTINGS.timeStep,
    codeLength: totp?.code_length ?? DEFAULT_SETTINGS.codeLength,
    skew: totp?.skew ?? DEFAULT_SETTINGS.skew,
  };
}

/** twilio-node's service parameters for the given settings (only those given). */
function serviceParams(settings: Partial<TotpSettings>): {
  friendlyName?: string;
  'totp.issuer'?: string;
  'totp.timeStep'?: number;
  'totp.codeLength'?: number;
  'totp.skew'?: number;
} {
  return {
    ...(settings.serviceName !== undefined && { friendlyName: settings.serviceName }),
    ...(settings.issuer !== undefined && { 'totp.issuer': settings.issuer }),
    ...(settings.timeStep !== undefined && { 'totp.timeStep': settings.timeStep }),
    ...(settings.codeLength !== undefined && { 'totp.codeLength': settings.codeLength }),
    ...(settings.skew !== undefined && { 'totp.skew': settings.skew }),
  };
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'status' in err && (err as { status: unknown }).status === 404;
}

async function createOrUpdateService(
  client: twilio.Twilio,
  existingSid: string | undefined,
  requested: Partial<TotpSettings>,
): Promise<{ sid: string; action: SetupResult['action']; settings: TotpSettings }> {
  const services = client.verify.v2.services;
  if (existingSid === undefined) {
    const name = requested.serviceName ?? DEFAULT_SETTINGS.serviceName;
    // Every TOTP setting is written explicitly, so the service shows what it does instead of nulls.
    const full = { ...DEFAULT_SETTINGS, issuer: name, ...requested, serviceName: name };
    const service = await services.create({ friendlyName: name, ...serviceParams(full) });
    return { sid: service.sid, action: 'created', settings: settingsInForce(service.friendlyName, service.totp as ServiceTotp) };
  }

  let current;
  try {
    current = await services(existingSid).fetch();
  } catch (err) {
    if (isNotFound(err)) {
      throw new SetupError([
        `VERIFY_SERVICE_SID ${existingSid} does not exist in this account; remove it from the env file to create a new service`,
      ]);
    }
    throw err;
  }
  const before = settingsInForce(current.friendlyName, current.totp as ServiceTotp);
  // Only settings that were asked for and differ are sent: an update never resets what the user did not mention.
  const changes = Object.fromEntries(
    Object.entries(requested).filter(([name, value]) => before[name as SettingName] !== value),
  ) as Partial<TotpSettings>;
  if (Object.keys(changes).length === 0) return { sid: current.sid, action: 'unchanged', settings: before };
  const updated = await services(existingSid).update(serviceParams(changes));
  return { sid: updated.sid, action: 'updated', settings: settingsInForce(updated.friendlyName, updated.totp as ServiceTotp) };
}

/** An existing SYNC_SERVICE_SID must name a service of this account (`default` always does); checked before any change. */
async function checkSyncService(client: twilio.Twilio, existingSid: string | undefined): Promise<void> {
  if (existingSid === undefined || existingSid === 'default') return;
  try {
    await client.sync.v1.services(existingSid).fetch();
  } catch (err) {
    if (isNotFound(err)) {
      throw new SetupError([`SYNC_SERVICE_SID ${existingSid} does not exist in this account; remove it from the env file to create a new service`]);
    }
    throw err;
  }
}

/** The Sync service for the kit's state: the one named, else a dedicated one created now. */
async function createOrReuseSyncService(
  client: twilio.Twilio,
  existingSid: string | undefined,
  name: string,
): Promise<{ sid: string; action: SetupResult['syncAction'] }> {
  if (existingSid !== undefined) return { sid: existingSid, action: 'unchanged' };
  // ACL on: the state is read by the Functions with account credentials only, never by a client SDK token.
  const service = await client.sync.v1.services.create({ friendlyName: name, aclEnabled: true });
  return { sid: service.sid, action: 'created' };
}

/** 32 random bytes, base64url: 43 characters, above lib/config.ts's minimum. */
function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** An EC P-256 private key as a one-line JWK (about 180 bytes; a Twilio service variable holds up to 450). */
function newSigningKey(): string {
  return JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));
}

/** Problems the Functions would refuse to run with, said before deploying rather than by a failing Function. */
function callerTokenWarnings(lookup: Lookup): string[] {
  if (lookup('AUTH_JWT_SECRET') === undefined && lookup('AUTH_JWKS_URL') === undefined) {
    return ['set AUTH_JWT_SECRET (shared with your sign-in) or AUTH_JWKS_URL (your identity provider) before deploying'];
  }
  const missing = ['AUTH_AUDIENCE', 'AUTH_ISSUER'].filter((name) => lookup(name) === undefined);
  if (lookup('AUTH_JWKS_URL') !== undefined && missing.length > 0) {
    // The provider signs every application's tokens with the same keys: without both checks, any of them would pass.
    return [`AUTH_JWKS_URL needs ${missing.join(' and ')} too: the Functions refuse to run without them (npm run deploy refuses as well)`];
  }
  return [];
}

/** After a deploy: the kit's Studio flow published with the deployment's SIDs and its Function's URL. */
async function publishDeployedVoiceFlow(client: twilio.Twilio): Promise<PublishedFlow | undefined> {
  const deployment = await findDeployment(client);
  return deployment === undefined ? undefined : publishVoiceFlow(client, deployment, `npm run setup: ${deployment.url}`);
}

/** Creates or updates the Verify service and records what the kit needs in the env file. */
export async function setupVerifyService(options: SetupOptions): Promise<SetupResult> {
  const envFile = readEnvFile(options.envFile);
  const environment = options.environment ?? process.env;
  const lookup: Lookup = (name) => nonEmpty(environment[name]) ?? nonEmpty(envFile.values[name]);

  const { settings: requested, problems } = parseSettings(rawSettingsFrom(options.flags ?? {}, lookup));
  const existingSid = lookup('VERIFY_SERVICE_SID');
  if (existingSid !== undefined && !SERVICE_SID.test(existingSid)) {
    problems.push(`VERIFY_SERVICE_SID "${existingSid}" is not a Verify service SID (VA followed by 32 hex digits)`);
  }
  const existingSyncSid = lookup('SYNC_SERVICE_SID');
  if (existingSyncSid !== undefined && existingSyncSid !== 'default' && !SYNC_SERVICE_SID.test(existingSyncSid)) {
    problems.push(`SYNC_SERVICE_SID "${existingSyncSid}" is not a Sync service SID (IS followed by 32 hex digits) or "default"`);
  }
  if (problems.length > 0) throw new SetupError(problems);

  const client = createClient(lookup);
  const target = emulatorTarget(lookup) ?? 'Twilio';
  await checkSyncService(client, existingSyncSid);
  const service = await createOrUpdateService(client, existingSid, requested);
  // An existing service may have been set beyond the standards elsewhere (the Console): its new factors would be refused.
  const beyond = totpTimingProblems(service.settings);
  if (beyond.length > 0) {
    throw new SetupError(
      beyond.map((problem) => `the Verify service ${service.sid}: ${problem}; the Functions refuse to enroll with it (run again with --time-step ${DEFAULT_SETTINGS.timeStep} --skew ${DEFAULT_SETTINGS.skew})`),
    );
  }
  const sync = await createOrReuseSyncService(client, existingSyncSid, service.settings.serviceName);

  let text = envFile.text;
  const written: string[] = [];
  if (envFile.values['VERIFY_SERVICE_SID'] !== service.sid) {
    text = setEnvVariable(text, 'VERIFY_SERVICE_SID', service.sid);
    written.push('VERIFY_SERVICE_SID');
  }
  if (envFile.values['SYNC_SERVICE_SID'] !== sync.sid) {
    text = setEnvVariable(text, 'SYNC_SERVICE_SID', sync.sid);
    written.push('SYNC_SERVICE_SID');
  }
  const warnings = authenticatorWarnings({ ...service.settings, algorithm: FACTOR_ALGORITHM });
  // Secrets are read from the file only: a deploy uploads the file, not this shell's environment.
  for (const name of GENERATED_SECRETS) {
    const existing = nonEmpty(envFile.values[name]);
    if (existing === undefined) {
      text = setEnvVariable(text, name, newSecret());
      written.push(name);
    } else if (existing.length < MIN_SECRET_LENGTH) {
      warnings.push(`${name} is shorter than ${MIN_SECRET_LENGTH} characters; the Functions will refuse it (setup never replaces a secret)`);
    }
  }
  // One approval signing mode: an existing key or secret stays (setup never replaces one); with neither, one is made.
  const approvalSecret = nonEmpty(envFile.values['APPROVAL_SIGNING_SECRET']);
  const approvalKey = nonEmpty(envFile.values['APPROVAL_SIGNING_KEY']);
  if (approvalSecret !== undefined && approvalKey !== undefined) {
    warnings.push('APPROVAL_SIGNING_SECRET and APPROVAL_SIGNING_KEY are both set; the Functions refuse to run until one is removed');
  } else if (approvalSecret === undefined && approvalKey === undefined) {
    const signing = options.approvalSigning ?? 'ES256';
    const name = APPROVAL_SIGNING_VARIABLES[signing];
    text = setEnvVariable(text, name, signing === 'ES256' ? newSigningKey() : newSecret());
    written.push(name);
  } else if (approvalSecret !== undefined && approvalSecret.length < MIN_SECRET_LENGTH) {
    warnings.push(`APPROVAL_SIGNING_SECRET is shorter than ${MIN_SECRET_LENGTH} characters; the Functions will refuse it (setup never replaces a secret)`);
  }
  warnings.push(...callerTokenWarnings(lookup));
  if (written.length > 0) writeEnvFile(envFile.path, text);

  const voiceFlow = await publishDeployedVoiceFlow(client);
  return {
    target,
    voiceFlow,
    serviceSid: service.sid,
    action: service.action,
    syncServiceSid: sync.sid,
    syncAction: sync.action,
    settings: service.settings,
    written,
    warnings,
  };
}

const USAGE = `Usage: npm run setup -- [options]
  --env <path>          env file to read and update (default .env; the same flag as npm run deploy -- --env)
  --approval-signing <es256|hs256>
                        how approval tokens are signed when the env file has neither key nor secret yet (default es256:
                        APPROVAL_SIGNING_KEY, backends verify with the public key; hs256: APPROVAL_SIGNING_SECRET, shared)
  --service-name <name> Verify service friendly name      (VERIFY_SERVICE_NAME, default "${DEFAULT_SETTINGS.serviceName}")
  --issuer <text>       issuer shown in authenticator apps (TOTP_ISSUER, default: the service name)
  --time-step <s>       seconds per code, 20-30            (TOTP_TIME_STEP, default ${DEFAULT_SETTINGS.timeStep})
  --code-length <n>     digits per code, 3-8               (TOTP_CODE_LENGTH, default ${DEFAULT_SETTINGS.codeLength})
  --skew <n>            steps accepted either side, 0-1    (TOTP_SKEW, default ${DEFAULT_SETTINGS.skew})
                        (OWASP ASVS 6.5.5: a code lives at most 30 s; RFC 6238 §5.2: at most one step of delay)`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      // Not --env-file: node (through tsx) claims that flag even after the script name and exits 9 when the file is missing.
      env: { type: 'string', default: '.env' },
      'service-name': { type: 'string' },
      issuer: { type: 'string' },
      'time-step': { type: 'string' },
      'code-length': { type: 'string' },
      skew: { type: 'string' },
      'approval-signing': { type: 'string', default: 'es256' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const flags: RawSettings = {};
  for (const name of Object.keys(SETTING_SOURCES) as SettingName[]) {
    const value = values[SETTING_SOURCES[name].flag as 'issuer'];
    if (value !== undefined) flags[name] = value;
  }
  const approvalSigning = values['approval-signing']?.toUpperCase();
  if (approvalSigning !== 'ES256' && approvalSigning !== 'HS256') throw new SetupError(['--approval-signing must be es256 or hs256']);
  const envFile = resolve(values.env ?? '.env');
  const result = await setupVerifyService({ envFile, flags, approvalSigning });
  const { settings } = result;
  console.log(`Verify service ${result.serviceSid} ${result.action} ("${settings.serviceName}") on ${result.target}`);
  console.log(
    `  TOTP: issuer "${settings.issuer}", ${settings.codeLength} digits, ${settings.timeStep} s time step, skew ${settings.skew}`,
  );
  console.log(`Sync service ${result.syncServiceSid} ${result.syncAction} (the kit's lockout and replay state)`);
  console.log(result.written.length > 0 ? `  wrote ${result.written.join(', ')} to ${envFile}` : `  ${envFile} already complete`);
  if (result.voiceFlow === undefined) console.log('Studio flow: not published yet (no deployment of /studio/check-code): run npm run deploy, then npm run setup again');
  else for (const line of attachInstructions(result.voiceFlow)) console.log(line);
  for (const warning of result.warnings) console.warn(`warning: ${warning}`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof SetupError) for (const problem of err.problems) console.error(`setup: ${problem}`);
      else console.error(`setup failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
