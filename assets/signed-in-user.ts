// Who the caller token says is signed in, for display only: the page shows it so a person notices a session that is not theirs.

/** Control and bidirectional-formatting characters: a name must not reorder or hide the text around it. */
const UNSAFE_DISPLAY = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const MAX_DISPLAY_LENGTH = 64;

function claimText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.replace(UNSAFE_DISPLAY, '').trim();
  if (text === '') return null;
  return text.length > MAX_DISPLAY_LENGTH ? `${text.slice(0, MAX_DISPLAY_LENGTH - 1)}…` : text;
}

/** The token's claims, read without checking its signature (the Functions do); null when it is not a JWT. */
function readClaims(token: string): Record<string, unknown> | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Who the token says is signed in, for display only: its `name`, else `email`, else `sub` claim. The page cannot
 * check the signature (the Functions do); it shows the name so a person notices a session that is not theirs.
 */
export function signedInName(token: string): string | null {
  const claims = readClaims(token);
  if (claims === null) return null;
  return claimText(claims.name) ?? claimText(claims.email) ?? claimText(claims.sub);
}

/** The token's `sub`, exactly: whose trusted-device token this browser may offer (never shown). */
export function signedInSubject(token: string): string | null {
  const sub = readClaims(token)?.sub;
  return typeof sub === 'string' && sub !== '' ? sub : null;
}
