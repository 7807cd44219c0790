// Keeps a bench's output to its figures: the security-event lines the in-process Functions print (one per request)
// are counted, not shown, and the count is said once at exit (on stderr). Imported first by the benches that run the Functions.
const EVENT_PREFIX = '[totp-functions] {';
let dropped = 0;
const print = console.log.bind(console);

console.log = (...parts: unknown[]): void => {
  if (typeof parts[0] === 'string' && parts[0].startsWith(EVENT_PREFIX)) {
    dropped += 1;
    return;
  }
  print(...parts);
};

process.once('exit', () => {
  // On stderr: a bench's child process answers its parent with its last stdout line.
  if (dropped > 0) process.stderr.write(`(${dropped} security-event lines from the Functions not shown)\n`);
});

export {};
