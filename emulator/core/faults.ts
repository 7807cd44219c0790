// Injected faults for tests: the next N matching API requests (Verify or Sync) fail, stall, drop or answer garbage.

export interface FaultSpec {
  match?: { method?: string; path?: string };
  count: number;
  status?: number;
  code?: number;
  message?: string;
  latencyMs?: number;
  drop?: true;
  malformed?: true;
}

export interface ArmedFault extends FaultSpec {
  id: string;
  remaining: number;
}

/** Validates a POST /__emulator/faults body; returns an error message for anything it cannot use. */
export function parseFaultSpec(body: unknown): FaultSpec | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'fault must be a JSON object';
  const input = body as Record<string, unknown>;
  const spec: FaultSpec = { count: 1 };
  if (input.match !== undefined) {
    if (typeof input.match !== 'object' || input.match === null) return 'match must be an object';
    const match = input.match as Record<string, unknown>;
    if (match.method !== undefined && typeof match.method !== 'string') return 'match.method must be a string';
    if (match.path !== undefined && typeof match.path !== 'string') return 'match.path must be a string';
    spec.match = { method: match.method?.toUpperCase(), path: match.path };
  }
  if (input.count !== undefined) {
    if (!Number.isInteger(input.count) || (input.count as number) < 1) return 'count must be a positive integer';
    spec.count = input.count as number;
  }
  if (input.status !== undefined) {
    if (!Number.isInteger(input.status) || (input.status as number) < 200 || (input.status as number) > 599) return 'status must be 200–599';
    spec.status = input.status as number;
  }
  if (input.code !== undefined) {
    if (!Number.isInteger(input.code)) return 'code must be an integer';
    spec.code = input.code as number;
  }
  if (input.message !== undefined) {
    if (typeof input.message !== 'string') return 'message must be a string';
    spec.message = input.message;
  }
  if (input.latencyMs !== undefined) {
    if (typeof input.latencyMs !== 'number' || input.latencyMs < 0 || input.latencyMs > 600_000) return 'latencyMs must be 0–600000';
    spec.latencyMs = input.latencyMs;
  }
  if (input.drop !== undefined) {
    if (input.drop !== true) return 'drop must be true';
    spec.drop = true;
  }
  if (input.malformed !== undefined) {
    if (input.malformed !== true) return 'malformed must be true';
    spec.malformed = true;
  }
  if (spec.status === undefined && spec.code === undefined && spec.latencyMs === undefined && !spec.drop && !spec.malformed) {
    return 'a fault needs status, code, latencyMs, drop or malformed';
  }
  return spec;
}

export class FaultQueue {
  private faults: ArmedFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): string {
    const id = `fault-${this.nextId++}`;
    this.faults.push({ ...spec, id, remaining: spec.count });
    return id;
  }

  /** The first armed fault matching the request, consumed once. */
  take(method: string, pathname: string): ArmedFault | undefined {
    const fault = this.faults.find(
      (candidate) =>
        (candidate.match?.method === undefined || candidate.match.method === method) &&
        (candidate.match?.path === undefined || pathname.includes(candidate.match.path)),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((candidate) => candidate !== fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }
}
