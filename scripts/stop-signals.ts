// Stopping a long-running script the way people and supervisors do: Ctrl-C, SIGTERM, a closed terminal, or the death
// of the npm wrapper that started it.

/** How often to look whether the parent is gone; a stop that late is still prompt for a person. */
const PARENT_POLL_MS = 500;

/**
 * Calls `stop` once, on SIGINT, SIGTERM or SIGHUP, or when the parent process exits. The last case matters under npm:
 * `npm start` runs the script through `sh -c`, and a SIGTERM to npm reaches only that shell, which dies without passing
 * it on, leaving this process (and its ports) behind. The parent is read when this is called: call it before anything
 * that lets the parent die first (before start-up, not after the address lines).
 */
export function stopOnSignals(stop: (reason: string) => void): void {
  let stopping = false;
  const once = (reason: string): void => {
    // A second Ctrl-C while stopping means "now".
    if (stopping) process.exit(1);
    stopping = true;
    clearInterval(watch);
    stop(reason);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => once(signal));
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent && !stopping) once('parent exited');
  }, PARENT_POLL_MS);
  watch.unref();
}
