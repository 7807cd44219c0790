// Verify's durability: restarts keep every resource and counter; reads never write, aged-out factors included.
import { startEmulator } from '../../helpers/emulator';
import { codeFor, createFactor, enrolFactor, IDENTITY, journalEntry, journalLines, removeTempDataDirs, restError, storedState, T0, tempDataDir, wrongCodeFor } from '../fixtures';

const tempDir = tempDataDir;

afterAll(removeTempDataDirs);

/** Resources as the client sees them, minus what legitimately changes across restarts (account, port). */
function portable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, inner: unknown) => (key === 'accountSid' || key === 'url' || key === 'links' || key === '_version' || key === '_solution' || key === '_context' ? undefined : inner)));
}

describe('restart', () => {
  it('keeps services, entities, factors, challenges, attempt counters and accepted steps', async () => {
    const dataDir = tempDir();
    const first = await startEmulator({ dataDir });
    await first.setClock(T0);
    const serviceSid = await first.createService({ friendlyName: 'Durable', 'totp.issuer': 'Durable Co', 'totp.skew': 0 });
    const entity = (emulator: typeof first) => emulator.client.verify.v2.services(serviceSid).entities(IDENTITY);
    const enrolled = await enrolFactor(first, serviceSid, T0);
    const struggling = await createFactor(first, serviceSid);
    await entity(first).factors(struggling.sid).update({ authPayload: wrongCodeFor(struggling.secret, T0) });
    await entity(first).factors(struggling.sid).update({ authPayload: wrongCodeFor(struggling.secret, T0) });
    await first.advance(30);
    const approved = await entity(first).challenges.create({ factorSid: enrolled.sid, authPayload: codeFor(enrolled.secret, T0 + 30_000) });
    const pending = await entity(first).challenges.create({ factorSid: enrolled.sid });
    const before = {
      service: portable(await first.client.verify.v2.services(serviceSid).fetch()),
      entity: portable(await entity(first).fetch()),
      factors: portable(await entity(first).factors.list()),
      challenges: portable(await entity(first).challenges.list()),
    };
    await first.close();

    const second = await startEmulator({ dataDir });
    try {
      await second.setClock(T0 + 30_000);
      expect({
        service: portable(await second.client.verify.v2.services(serviceSid).fetch()),
        entity: portable(await entity(second).fetch()),
        factors: portable(await entity(second).factors.list()),
        challenges: portable(await entity(second).challenges.list()),
      }).toEqual(before);
      expect(approved.status).toBe('approved');
      // The accepted step survived: the same code is still a replay.
      const replay = await entity(second).challenges.create({ factorSid: enrolled.sid, authPayload: codeFor(enrolled.secret, T0 + 30_000) });
      expect(replay.status).toBe('pending');
      // The failure counter survived: 3 more wrong codes, then the limit.
      for (let i = 0; i < 3; i++) await entity(second).factors(struggling.sid).update({ authPayload: wrongCodeFor(struggling.secret, T0) });
      expect(await restError(() => entity(second).factors(struggling.sid).update({ authPayload: '000000' }))).toMatchObject({ code: 60310 });
      expect((await entity(second).challenges.get(pending.sid).fetch()).status).toBe('pending');
    } finally {
      await second.close();
    }
  });

});

describe('reads never write', () => {
  /** The default unverified-factor TTL (switch unverifiedFactorTtlSeconds). */
  const TTL_SECONDS = 3600;

  it('GETs of everything (an aged-out factor and an expired challenge included) leave the journal as it was', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    try {
      await emulator.setClock(T0);
      const serviceSid = await emulator.createService();
      const service = emulator.client.verify.v2.services(serviceSid);
      const enrolled = await enrolFactor(emulator, serviceSid, T0);
      const abandoned = await createFactor(emulator, serviceSid);
      const challenge = await service.entities(IDENTITY).challenges.create({ factorSid: enrolled.sid });
      await emulator.advance(TTL_SECONDS);
      const before = journalLines(dataDir);

      await service.fetch();
      await emulator.client.verify.v2.services.list();
      await service.entities(IDENTITY).fetch();
      await service.entities.list();
      expect((await service.entities(IDENTITY).factors.list()).map((factor) => factor.sid)).toEqual([enrolled.sid]);
      expect(await restError(() => service.entities(IDENTITY).factors(abandoned.sid).fetch())).toMatchObject({ status: 404, code: 60390 });
      expect((await service.entities(IDENTITY).challenges(challenge.sid).fetch()).status).toBe('expired');
      expect((await service.entities(IDENTITY).challenges.list({ status: 'expired' })).map((listed) => listed.sid)).toEqual([challenge.sid]);

      expect(journalLines(dataDir)).toEqual(before);
    } finally {
      await emulator.close();
    }
  });

  it('an aged-out factor answers 60390 to fetch, update, challenge and delete, and is left out of lists; none of them journals anything', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    try {
      await emulator.setClock(T0);
      const serviceSid = await emulator.createService();
      const entity = emulator.client.verify.v2.services(serviceSid).entities(IDENTITY);
      const abandoned = await createFactor(emulator, serviceSid);
      await emulator.advance(TTL_SECONDS);
      const before = journalLines(dataDir);
      const code = codeFor(abandoned.secret, T0 + TTL_SECONDS * 1000);
      expect(await restError(() => entity.factors(abandoned.sid).fetch())).toMatchObject({ status: 404, code: 60390 });
      expect(await restError(() => entity.factors(abandoned.sid).update({ authPayload: code }))).toMatchObject({ status: 404, code: 60390 });
      expect(await restError(() => entity.challenges.create({ factorSid: abandoned.sid, authPayload: code }))).toMatchObject({ status: 404, code: 60390 });
      expect(await restError(() => entity.factors(abandoned.sid).remove())).toMatchObject({ status: 404, code: 60390 });
      expect(await entity.factors.list()).toEqual([]);
      expect(journalLines(dataDir)).toEqual(before);
    } finally {
      await emulator.close();
    }
  });

  it('the next factor created for the entity deletes its aged-out factors, in the same journal line', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    try {
      await emulator.setClock(T0);
      const serviceSid = await emulator.createService();
      const abandoned = await createFactor(emulator, serviceSid);
      const young = await createFactor(emulator, serviceSid);
      await emulator.advance(TTL_SECONDS - 1);
      const younger = await createFactor(emulator, serviceSid);
      await emulator.advance(1);
      const before = journalLines(dataDir);
      const fresh = await createFactor(emulator, serviceSid);
      const written = journalLines(dataDir).slice(before.length);
      expect(written).toHaveLength(1);
      const entry = journalEntry(written[0]);
      expect(entry.product).toBe('verify');
      const changes = (entry.changes ?? []) as Array<{ put?: string; remove?: string; sid?: string; record?: { sid: string } }>;
      expect(changes.filter((change) => change.remove === 'factor').map((change) => change.sid).sort()).toEqual([abandoned.sid, young.sid].sort());
      expect(changes.some((change) => change.put === 'factor' && change.record?.sid === fresh.sid)).toBe(true);
      const listed = await emulator.client.verify.v2.services(serviceSid).entities(IDENTITY).factors.list();
      expect(listed.map((factor) => factor.sid)).toEqual([younger.sid, fresh.sid]);
    } finally {
      await emulator.close();
    }
  });

  it('compaction leaves aged-out factors (and their secrets) out of the snapshot', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    let kept: { sid: string };
    let abandoned: { sid: string; secret: string };
    try {
      // Created under the wall clock, as a restart (which compacts) follows the wall clock again.
      const serviceSid = await emulator.createService();
      kept = await createFactor(emulator, serviceSid, 'kept-user-1234');
      await emulator.setClock(Date.now() - (TTL_SECONDS + 60) * 1000);
      abandoned = await createFactor(emulator, serviceSid);
    } finally {
      await emulator.close();
    }
    const snapshot = (await storedState(dataDir)).factors;
    expect(snapshot.map((factor) => factor.sid)).toEqual([kept.sid]);
    expect(JSON.stringify(snapshot)).not.toContain(abandoned.secret);
  });
});

