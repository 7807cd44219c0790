// The emulator's notion of "now": the wall clock, or an instant frozen and moved only by tests (/__emulator/clock).
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const wallClock: Clock = { now: () => Date.now() };

/** A clock that follows `source` until frozen; once frozen it moves only through `freezeAt`/`advance`. */
export class ControllableClock implements Clock {
  private frozenAt: number | undefined;

  constructor(private readonly source: Clock = wallClock) {}

  now(): number {
    return this.frozenAt ?? this.source.now();
  }

  freezeAt(epochMs: number): void {
    this.frozenAt = epochMs;
  }

  advance(seconds: number): void {
    this.frozenAt = this.now() + seconds * 1000;
  }

  followSource(): void {
    this.frozenAt = undefined;
  }
}

/** ISO 8601 UTC with second precision and a literal Z, the only date format Verify emits (and twilio-node parses). */
export function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
