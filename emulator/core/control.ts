// Emulator-only control endpoints under /__emulator/: clock, faults, reset. Never part of Twilio's API.
import { isoSeconds, type ControllableClock } from './clock';
import { TwilioError, coreError, resourceNotFound } from './errors';
import { parseFaultSpec, type FaultQueue } from './faults';

export const CONTROL_PREFIX = '/__emulator/';

export interface ControlDeps {
  clock: ControllableClock;
  faults: FaultQueue;
  /** Wipes every product's state, then lets each restore what must exist (Sync's default service). */
  resetState: () => void;
}

export interface ControlResult {
  status: number;
  body?: unknown;
}

function badRequest(message: string): TwilioError {
  return coreError(20001, message);
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('control requests take a JSON body');
  }
}

function clockBody(clock: ControllableClock): { now: string } {
  return { now: new Date(clock.now()).toISOString() };
}

/** POST /__emulator/clock {now?: ISO | epoch ms, advanceSeconds?, real?: true}: freeze, shift or release the clock. */
function setClock(clock: ControllableClock, body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('clock request must be a JSON object');
  const { now, advanceSeconds, real } = body as Record<string, unknown>;
  if (real !== undefined && real !== true) throw badRequest('real must be true');
  if (advanceSeconds !== undefined && (typeof advanceSeconds !== 'number' || !Number.isFinite(advanceSeconds))) {
    throw badRequest('advanceSeconds must be a number');
  }
  let at: number | undefined;
  if (now !== undefined) {
    at = typeof now === 'number' ? now : typeof now === 'string' ? Date.parse(now) : Number.NaN;
    if (!Number.isFinite(at)) throw badRequest('now must be an ISO 8601 string or epoch milliseconds');
  }
  if (real === true && (at !== undefined || advanceSeconds !== undefined)) throw badRequest('real cannot be combined with now or advanceSeconds');
  if (real === undefined && at === undefined && advanceSeconds === undefined) throw badRequest('give now, advanceSeconds or real');
  if (real === true) clock.followSource();
  if (at !== undefined) clock.freezeAt(at);
  if (typeof advanceSeconds === 'number') clock.advance(advanceSeconds);
}

export function handleControl(deps: ControlDeps, method: string, pathname: string, text: string): ControlResult {
  const route = `${method} ${pathname.replace(/\/$/, '')}`;
  switch (route) {
    case 'GET /__emulator/clock':
      return { status: 200, body: clockBody(deps.clock) };
    case 'POST /__emulator/clock':
      setClock(deps.clock, parseJson(text));
      return { status: 200, body: clockBody(deps.clock) };
    case 'POST /__emulator/faults': {
      const spec = parseFaultSpec(parseJson(text));
      if (typeof spec === 'string') throw badRequest(spec);
      return { status: 201, body: { id: deps.faults.add(spec) } };
    }
    case 'DELETE /__emulator/faults':
      deps.faults.clear();
      return { status: 204 };
    case 'POST /__emulator/reset':
      deps.faults.clear();
      deps.clock.followSource();
      // After the clock, so what the products make again is dated in real time.
      deps.resetState();
      return { status: 200, body: { reset: true, now: isoSeconds(deps.clock.now()) } };
    default:
      throw resourceNotFound(pathname);
  }
}
