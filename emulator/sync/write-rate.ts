// Sync's per-object write limit (429 54009), behind the syncWriteRateLimit switch, timed by the emulator clock.
import type { Clock } from '../core/clock';
import { syncError } from './errors';

/** Sync measures its 20 writes/s per object over a burst window of 10 s (twilio.com/docs/sync/limits). */
const BURST_WINDOW_MS = 10_000;

/** Recent write times per object. Kept in memory only: a limit window is not state worth persisting. */
export class WriteRateLimiter {
  private readonly writes = new Map<string, number[]>();

  /** `perSecond` 0 turns the limit off. */
  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
  ) {}

  /** Counts one write to `objectSid` (a Map or List for its items too), or refuses it with 54009. */
  admit(objectSid: string): void {
    if (this.perSecond === 0) return;
    const now = this.clock.now();
    const recent = (this.writes.get(objectSid) ?? []).filter((at) => at > now - BURST_WINDOW_MS);
    if (recent.length >= (this.perSecond * BURST_WINDOW_MS) / 1000) {
      this.writes.set(objectSid, recent);
      throw syncError(54009);
    }
    recent.push(now);
    this.writes.set(objectSid, recent);
  }

  reset(): void {
    this.writes.clear();
  }
}
