// The core in-process: lib/ called directly with a real UserScope, over the real twilio client, against an emulator
// started in this process (no Functions runtime, no bundles), so these suites are fast enough for mutation testing.
import { createSecretKey } from 'node:crypto';
import { deriveIdentity } from '../../lib/core/identity';
import type { ApprovalSigner } from '../../lib/core/approval';
import type { UserScope } from '../../lib/core/factors';
import { createSyncStateStore } from '../../lib/state/sync-store';
import { createSecurityState } from '../../lib/state/security-state';
import { channelOf, provenCaller, studioUser, userKeyOf, type ProvenCaller, type ProvenUser, type StudioUser } from '../../lib/core/users';
import { createVerifyGateway, type VerifyGateway } from '../../lib/verify/gateway';
import { startEmulator, type StartEmulatorOptions, type TestEmulator } from '../helpers/emulator';
import { totpAt, wrongTotpAt } from '../helpers/totp';

/** A fixed instant 10 s into a 30 s step, so the ±1 step window around it is never ambiguous. */
export const START = Date.parse('2031-03-04T05:06:10Z');
export const STEP_MS = 30_000;
/** Generous: the budget is not what these suites measure (one suite tests the budget with a past deadline). */
export const BUDGET_MS = 60_000;

export const IDENTITY_SECRET = createSecretKey(Buffer.from('core-tests-identity-secret-0123456789'));
export const APPROVAL_SECRET = createSecretKey(Buffer.from('core-tests-approval-secret-0123456789'));
export const APPROVAL: ApprovalSigner = {
  key: { alg: 'HS256', secret: APPROVAL_SECRET },
  issuer: 'core-tests',
  audience: undefined,
  ttlSeconds: 120,
};

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
  /** The Verify entity of `user` through the test's own twilio client (to check what the core left in Verify). */
  entityOf(user: ProvenUser): ReturnType<ReturnType<TestEmulator['client']['verify']['v2']['services']>['entities']>;
  /** The current code of a Base32 secret at the harness time (otplib, not the emulator's TOTP code). */
  code(secret: string, offsetSteps?: number): string;
  /** A code no step of the ±2 window accepts. */
  wrongCode(secret: string): string;
  close(): Promise<void>;
}

export async function startCore(options: StartEmulatorOptions = {}): Promise<CoreHarness> {
  const emulator = await startEmulator(options);
  const serviceSid = await emulator.createService({ friendlyName: 'Core Tests' });
  let clock = START;
  await emulator.setClock(clock);

  const gateway = (deadline = Date.now() + BUDGET_MS): VerifyGateway => createVerifyGateway(emulator.client, { serviceSid, deadline });
  const now = (): Date => new Date(clock);
  const scopeOf = <User extends ProvenUser>(user: User): UserScope<User> => {
    const identity = deriveIdentity(IDENTITY_SECRET, userKeyOf(user));
    return {
      user,
      verify: gateway(),
      identity,
      approval: APPROVAL,
      now,
      // The kit's own state on the same emulator's Sync (its `default` service), as the Functions build it.
      state: createSecurityState({
        store: createSyncStateStore(emulator.client, { serviceSid: 'default', deadline: Date.now() + BUDGET_MS }),
        identity,
        channel: channelOf(user),
        policy: { threshold: 5, baseSeconds: 60, maxSeconds: 3600 },
        now,
        codeKey: IDENTITY_SECRET,
        log: () => undefined,
        activity: { ttlMs: 90 * 86_400_000, onRecorded: () => undefined },
      }),
    };
  };

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
    entityOf: (user) => emulator.client.verify.v2.services(serviceSid).entities(deriveIdentity(IDENTITY_SECRET, userKeyOf(user))),
    code: (secret, offsetSteps = 0) => totpAt(secret, clock + offsetSteps * STEP_MS),
    wrongCode: (secret) => wrongTotpAt(secret, clock),
    close: () => emulator.close(),
  };
}
