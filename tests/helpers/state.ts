// Test helpers for the kit's own state: read a user's Sync document and count Verify challenges through the real
// twilio client against the local stack's emulator (what the Functions stored, seen from outside).
import twilio from 'twilio';
import { createEmulatorHttpClient } from '../../emulator/client/http-client';
import type { FunctionsHarness } from './functions';

export interface StoredState {
  revision: string;
  data: Record<string, unknown>;
}

function clientOf(harness: FunctionsHarness): twilio.Twilio {
  const httpClient = createEmulatorHttpClient({ emulatorUrl: harness.stack.emulatorUrl, timeoutMs: 5000 });
  return twilio(harness.env.ACCOUNT_SID, harness.env.AUTH_TOKEN, { httpClient, autoRetry: false });
}

/** The user's state document as Sync holds it, or undefined when the kit has written none. */
export async function storedState(harness: FunctionsHarness, user: string): Promise<StoredState | undefined> {
  const serviceSid = harness.env.SYNC_SERVICE_SID ?? 'default';
  try {
    const document = await clientOf(harness).sync.v1.services(serviceSid).documents(`totp-user-${harness.identityOf(user)}`).fetch();
    return { revision: document.revision, data: document.data as Record<string, unknown> };
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return undefined;
    throw error;
  }
}

/** How many challenges Verify holds for the user: each one is a code that Verify was asked to check. */
export async function challengeCount(harness: FunctionsHarness, user: string): Promise<number> {
  const serviceSid = harness.env.VERIFY_SERVICE_SID ?? '';
  try {
    const entity = clientOf(harness).verify.v2.services(serviceSid).entities(harness.identityOf(user));
    return (await entity.challenges.list({ pageSize: 100 })).length;
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return 0;
    throw error;
  }
}

/** The user's factors in Verify (SID and status), newest first as Verify lists them. */
export async function factorsInVerify(harness: FunctionsHarness, user: string): Promise<Array<{ sid: string; status: string }>> {
  const serviceSid = harness.env.VERIFY_SERVICE_SID ?? '';
  try {
    const factors = await clientOf(harness).verify.v2.services(serviceSid).entities(harness.identityOf(user)).factors.list({ pageSize: 100 });
    return factors.map((factor) => ({ sid: factor.sid, status: factor.status }));
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return [];
    throw error;
  }
}

/** Replaces the user's state document as another writer would (If-Match on its revision): to plant an older form. */
export async function replaceStoredState(harness: FunctionsHarness, user: string, data: Record<string, unknown>): Promise<void> {
  const current = await storedState(harness, user);
  if (current === undefined) throw new Error('the user has no state document to replace');
  const serviceSid = harness.env.SYNC_SERVICE_SID ?? 'default';
  await clientOf(harness).sync.v1.services(serviceSid).documents(`totp-user-${harness.identityOf(user)}`).update({ data, ifMatch: current.revision });
}

/** Sets the Verify service's TOTP time step and skew, as an operator could in the Console (for factors created next). */
export async function setServiceTiming(harness: FunctionsHarness, timing: { timeStep: number; skew: number }): Promise<void> {
  await clientOf(harness).verify.v2.services(harness.env.VERIFY_SERVICE_SID ?? '').update({ 'totp.timeStep': timing.timeStep, 'totp.skew': timing.skew });
}

/** A factor created straight in Verify, as one made before the kit checked labels (or outside the kit) would be. */
export async function createFactorInVerify(harness: FunctionsHarness, user: string, friendlyName: string): Promise<string> {
  const entity = clientOf(harness).verify.v2.services(harness.env.VERIFY_SERVICE_SID ?? '').entities(harness.identityOf(user));
  return (await entity.newFactors.create({ friendlyName, factorType: 'totp' })).sid;
}
