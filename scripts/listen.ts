// Listening and closing for the local stack's servers, with errors that say which setting to change.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server that could not listen: the message names the port or host and the variable that changes it. */
export class ListenError extends Error {
  override name = 'ListenError';
}

export interface ListenTarget {
  port: number;
  host: string;
  /** What listens there, for the message ("the Functions and the page"). */
  role: string;
  /** The variable that moves it (PORT, EMULATOR_PORT). */
  portVariable: string;
}

function explain(error: NodeJS.ErrnoException, target: ListenTarget): string {
  const where = `${target.host}:${target.port} (${target.role})`;
  switch (error.code) {
    case 'EADDRINUSE':
      return `port ${target.port} is already in use on ${target.host} (${target.role}): stop the other program, or set ${target.portVariable} to a free port in the shell or .env.local`;
    case 'EACCES':
      return `not allowed to listen on ${where}: choose a port above 1023 with ${target.portVariable}`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where}: HOST=${target.host} is not an address of this machine`;
    default:
      return `cannot listen on ${where}: ${error.message}`;
  }
}

/** Resolves with the bound port (useful when asked for port 0). */
export function listen(server: Server, target: ListenTarget): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => reject(new ListenError(explain(error, target)));
    server.once('error', onError);
    server.listen(target.port, target.host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Checks that `target` is free by listening there for a moment (port 0 is always free). Throws the ListenError that
 * the real listen would; the port can still be taken between this check and the start, which then fails the same way.
 */
export async function probePort(target: ListenTarget): Promise<void> {
  if (target.port === 0) return;
  const probe = createServer();
  await listen(probe, target);
  await new Promise((resolve) => probe.close(resolve));
}

/**
 * Stops accepting and cuts open connections (keep-alive sockets would otherwise hold close() for seconds). A server
 * that never listened is closed too: the emulator lets its data directory go on close.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
