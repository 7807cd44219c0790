// Where the caller token comes from: a `#token=` hand-over from the host app, or the local stack's dev sign-in.
// The token lives in memory only (never storage, never the address bar) so it cannot outlive the tab.
import { TotpClientError } from './totp-client';

/** Reads `#token=<jwt>` once and removes the fragment from the address bar and the history entry. */
export function takeTokenFromFragment(location: Location, history: History): string | null {
  if (!location.hash.startsWith('#')) return null;
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (token === null) return null;
  params.delete('token');
  const rest = params.toString();
  // replaceState, not location.hash = '': the token must not stay in the back/forward history either.
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest === '' ? '' : `#${rest}`}`);
  return token.trim() === '' ? null : token;
}

const DEV_TOKEN_ROUTE = '__dev/token';

/**
 * True when the local stack's dev-only token endpoint is there (GET answers 204 and mints nothing). A deployed
 * service has no such route (it lives in scripts/, never in functions/), so the dev sign-in stays hidden there.
 */
export async function isDevSignInAvailable(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(new URL(DEV_TOKEN_ROUTE, baseUrl), { method: 'GET', credentials: 'omit' });
    return response.status === 204;
  } catch {
    return false;
  }
}

/** Asks the local stack for a caller token for `user`; a refusal with the kit's error body is a TotpClientError. */
export async function devSignIn(baseUrl: string, user: string): Promise<string> {
  const response = await fetch(new URL(DEV_TOKEN_ROUTE, baseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ user }),
    credentials: 'omit',
  });
  const body: unknown = await response.json().catch(() => null);
  if (response.ok && typeof body === 'object' && body !== null && 'token' in body && typeof body.token === 'string') {
    return body.token;
  }
  const error = typeof body === 'object' && body !== null && 'error' in body ? body.error : null;
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'unexpected_response';
  throw new TotpClientError(response.status, code, `Dev sign-in failed (${response.status}).`);
}
