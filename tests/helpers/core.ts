// The core in-process: lib/ called directly with the Functions' own user scope (lib/core/user-scope.ts) built from a
// parsed configuration, over the real twilio client, against an emulator started in this process (no Functions
// runtime, no bundles), so these suites are fast enough for mutation testing.
import { createSecretKey } from 'node:crypto';
import { parseConfig, type Config } from '../../lib/config';
import { confirmFactor, enrollFactor } from '../../lib/core/factors';
import { configuredScope, createUserScope, type UserScope } from '../../lib/core/user-scope';
import { scryptHash, type PasswordHash } from '../../lib/core/recovery-codes';
import { provenCaller, studioUser, userKeyOf, type ProvenCaller, type ProvenUser, type StudioUser } from '../../lib/core/users';
import { createVerifyGateway, type VerifyGateway } from '../../lib/verify/gateway';
import { startEmulator, type StartEmulatorOptions, type TestEmulator } from './emulator';
import { expectedIdentity } from './identity';
import { totpAt, wrongTotpAt } from './totp';

/** A fixed instant 10 s into a 30 s step, so the ±1 step window around it is never ambiguous. */
export const START = Date.parse('2031-03-04T05:06:10Z');
export const STEP_MS = 30_000;
/** Generous: the budget is not what these suites measure (one suite tests the budget with a past deadline). */
export const BUDGET_MS = 60_000;

export const IDENTITY_SECRET = 'core-tests-identity-secret-0123456789';
export const RECOVERY_CODE_SECRET = 'core-tests-recovery-code-secret-0123456789';
const APPROVAL_SIGNING_SECRET = 'core-tests-approval-secret-0123456789';
/** The key the harness's approval tokens are signed with (HS256), to verify them. */
export const APPROVAL_SECRET = createSecretKey(Buffer.from(APPROVAL_SIGNING_SECRET));

/** The Functions' configuration of these suites: the defaults of every policy, HS256 approvals from `core-tests`. */
function coreConfig(serviceSid: string): Config {
  return parseConfig({
    VERIFY_SERVICE_SID: serviceSid,
    IDENTITY_SECRET,
    RECOVERY_CODE_SECRET,
    AUTH_JWT_SECRET: 'core-tests-caller-secret-0123456789',
    APPROVAL_SIGNING_SECRET,
    APPROVAL_ISSUER: 'core-tests',
  });
}

/**
 * scrypt at 1/16 of the kit's cost: a set of ten codes takes about 25 ms instead of 360, which most of these suites'
 * time (and a mutation run's) went to. The real cost is tested where it matters: tests/lib/core/recovery-codes.test.ts
 * and every suite over HTTP.
 */
const cheapScrypt: PasswordHash = (password, salt, cost) => scryptHash(password, salt, { ...cost, N: 1024 });

export interface CoreHarness {
  emulator: TestEmulator;
  serviceSid: string;
  /** The emulator's frozen time (epoch ms); the scopes' `now` reads the same value. */
  now(): number;
  setClock(epochMs: number): Promise<void>;
  /** Moves the emulator's clock (and the scopes' `now`) to the next 30 s step. */
  nextStep(): Promise<void>;
  gateway(deadline?: number): VerifyGateway;
  scopeOf<User extends ProvenUser>(user: User): UserScope<User>;
  caller(sub: string): UserScope<ProvenCaller>;
  studio(key: string): UserScope<StudioUser>;
  /** The Verify entity of `user`, named independently of the kit (tests/helpers/identity.ts), through the test's own client. */
  entityOf(user: ProvenUser): ReturnType<ReturnType<TestEmulator['client']['verify']['v2']['services']>['entities']>;
  /**
   * Enrolls the scope's user through the core (enrollFactor, then confirmFactor with the current code), at the current
   * time step: the code it used is spent, so a check in the same step needs the next step's code.
   */
  enroll(scope: UserScope<ProvenCaller>): Promise<{ factorSid: string; secret: string; recoveryCodes: string[] }>;
  /** The current code of a Base32 secret at the harness time (otplib, not the emulator's TOTP code). */
  code(secret: string, offsetSteps?: number): string;
  /** A code no step of the ±2 window accepts. */
  wrongCode(secret: string): string;
  close(): Promise<void>;
}

export async function startCore(options: StartEmulatorOptions = {}): Promise<CoreHarness> {
  const emulator = await startEmulator(options);
  const serviceSid = await emulator.createService({ friendlyName: 'Core Tests' });
  const config = coreConfig(serviceSid);
  let clock = START;
  await emulator.setClock(clock);

  const gateway = (deadline = Date.now() + BUDGET_MS): VerifyGateway => createVerifyGateway(emulator.client, { serviceSid, deadline });
  // The kit's own state on the same emulator's Sync (its `default` service), as the Functions build it.
  const scopeOf = <User extends ProvenUser>(user: User): UserScope<User> =>
    createUserScope(user, {
      ...configuredScope(config),
      client: emulator.client,
      deadline: Date.now() + BUDGET_MS,
      now: () => new Date(clock),
      log: () => undefined,
      onRecorded: () => undefined,
      recoveryCodeHash: cheapScrypt,
    });

  return {
    emulator,
    serviceSid,
    now: () => clock,
    async setClock(epochMs) {
      clock = epochMs;
      await emulator.setClock(clock);
    },
    async nextStep() {
      clock += STEP_MS;
      await emulator.setClock(clock);
    },
    gateway,
    scopeOf,
    caller: (sub) => scopeOf(provenCaller(sub)),
    studio: (key) => scopeOf(studioUser(key)),
    entityOf: (user) => emulator.client.verify.v2.services(serviceSid).entities(expectedIdentity(IDENTITY_SECRET, userKeyOf(user))),
    async enroll(scope) {
      const { factorSid, secret } = await enrollFactor(scope, 'Phone');
      const confirmed = await confirmFactor(scope, factorSid, totpAt(secret, clock));
      expect(confirmed).toEqual({ factorSid, status: 'verified', recoveryCodes: expect.any(Array) });
      return { factorSid, secret, recoveryCodes: confirmed.recoveryCodes ?? [] };
    },
    code: (secret, offsetSteps = 0) => totpAt(secret, clock + offsetSteps * STEP_MS),
    wrongCode: (secret) => wrongTotpAt(secret, clock),
    close: () => emulator.close(),
  };
}
