// Every security event is also one JSON log line (lib/events/security-events.ts). Suites that check those lines spy on console.log
// themselves; everywhere else they would bury the test output, so they are dropped here, and only they.
const EVENT_LINE = '[totp-functions] {"event":';
const print = console.log.bind(console);

console.log = (...args: unknown[]): void => {
  if (typeof args[0] === 'string' && args[0].startsWith(EVENT_LINE)) return;
  print(...args);
};
