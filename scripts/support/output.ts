// The support tool's words for people: status, the reset's confirmation and result, the unlock's and forget-devices'
// results. (`--json`
// prints the same data as it is.)
import type { ActivityEvent } from '../../lib/contract';
import { LEGACY_CODE_BITS, RECOVERY_CODE_BITS } from '../../lib/core/recovery-codes';
import type { DeviceSummary, FactorSummary, ForgetDevicesResult, HardCapSummary, LockSummary, ResetResult, UnlockResult, UserStatus } from './actions';

/** "1 h 4 min", "4 min 12 s", "40 s". */
export function duration(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  if (minutes > 0) return rest > 0 ? `${minutes} min ${rest} s` : `${minutes} min`;
  return `${rest} s`;
}

/**
 * Characters that print as nothing or change how a line reads (bidirectional controls such as U+202E, zero-width and
 * other format characters, line separators, DEL and C1 controls) as `\uXXXX` per UTF-16 unit, as JSON writes escapes:
 * a label or user id cannot make the operator's terminal show other than what is stored (issue 24.6). Applied to JSON
 * text or to JSON.stringify'd strings, which have escaped C0 controls already; the result stays valid JSON.
 */
export function escapeInvisible(text: string): string {
  return text.replace(/[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu, (char) =>
    [...Array(char.length).keys()].map((at) => `\\u${char.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0')}`).join(''),
  );
}

/** A label or user id in quotes, every invisible character escaped. */
function quoted(text: string): string {
  return escapeInvisible(JSON.stringify(text));
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function factorLine(factor: FactorSummary): string {
  return `${factor.sid}  ${quoted(factor.label)}  ${factor.status}  created ${factor.createdAt}`;
}

function deviceLine(device: DeviceSummary): string {
  const name = device.label === null ? '' : `${quoted(device.label)}  `;
  return `${device.deviceId}  ${name}${device.browser ?? 'unknown browser'} on ${device.platform ?? 'unknown platform'}  trusted ${device.trustedAt}, last used ${device.lastUsedAt}, until ${device.expiresAt}`;
}

function lockLine(channel: string, lock: LockSummary): string {
  const timed = lock.remainingSeconds > 0 ? `LOCKED until ${lock.lockedUntil} (${duration(lock.remainingSeconds)} left)` : 'not locked';
  const state = lock.capped ? 'LOCKED until `unlock` (hard cap)' : timed;
  return `${channel.padEnd(7)}${state}; ${plural(lock.consecutiveFailures, 'consecutive failure')}, ${lock.failuresLast24h} in 24 h, lock level ${lock.lockLevel}, ${lock.towardsCap} towards the hard cap`;
}

function hardCapLine(cap: HardCapSummary): string {
  const reached = cap.reached ? 'REACHED: no code is checked on any channel until `unlock`' : 'not reached';
  return `Hard cap: ${cap.consecutiveFailures} of ${cap.limit} consecutive wrong codes across channels, ${reached}`;
}

function eventLine(event: ActivityEvent): string {
  const detail = event.detail === undefined ? '' : ` ${Object.entries(event.detail).map(([name, value]) => `${name}=${value}`).join(' ')}`;
  // A folded event (the same failure repeated in a row) says how many, and since when.
  const folded = event.count === undefined ? '' : ` ×${event.count} since ${event.firstOccurredAt ?? '?'}`;
  return [event.occurredAt, event.channel.padEnd(7), event.type.padEnd(24), event.outcome ?? '', event.factorSid ?? ''].filter((part) => part !== '').join('  ') + detail + folded;
}

export function statusText(status: UserStatus): string {
  const lines = [`User ${quoted(status.user)} (identity ${status.identity})`];
  lines.push(status.factors.length === 0 ? 'Factors: none' : `Factors (${status.factors.length}):`);
  for (const factor of status.factors) lines.push(`  ${factorLine(factor)}`);
  if (status.state === 'unreadable') {
    lines.push("State: NOT IN THE KIT'S FORMAT: the Functions refuse this user's codes until `reset` replaces it");
  } else {
    lines.push('Locks:', `  ${lockLine('web', status.locks.web)}`, `  ${lockLine('studio', status.locks.studio)}`, hardCapLine(status.hardCap));
    lines.push(`Recovery codes left: ${status.recoveryCodesLeft}`);
    if (status.recoveryCodesOutdated) {
      lines.push(
        `  OLD FORMAT: ${LEGACY_CODE_BITS}-bit codes issued before the ${RECOVERY_CODE_BITS}-bit format; they work until used, and the user should`,
        '  generate a new set on the page ("Generate new codes", with a code from the app) or POST /regenerate-recovery-codes',
      );
    }
    lines.push(status.trustedDevices.length === 0 ? 'Trusted devices: none' : `Trusted devices (${status.trustedDevices.length}, newest first; \`forget-devices\` ends them):`);
    for (const device of status.trustedDevices) lines.push(`  ${deviceLine(device)}`);
  }
  lines.push(status.activity.length === 0 ? 'Recent activity: none' : 'Recent activity (newest first):');
  for (const event of status.activity) lines.push(`  ${eventLine(event)}`);
  return lines.join('\n');
}

/** What a reset of this user would remove, shown before the typed confirmation. */
export function resetPreview(status: UserStatus): string {
  const lines = [`This removes, for user ${quoted(status.user)} (identity ${status.identity}):`];
  lines.push(`  ${plural(status.factors.length, 'factor')}${status.factors.length > 0 ? ':' : ''}`);
  for (const factor of status.factors) lines.push(`    ${factorLine(factor)}`);
  if (status.state === 'unreadable') {
    lines.push("  the state document, which is not in the kit's format");
  } else {
    lines.push(`  ${plural(status.recoveryCodesLeft, 'recovery code')}`);
    lines.push(`  ${plural(status.trustedDevices.length, 'trusted device')}`);
    const locked = (['web', 'studio'] as const).filter((channel) => status.locks[channel].locked);
    lines.push(`  the lock state${locked.length > 0 ? ` (locked: ${locked.join(', ')})` : ''}`);
  }
  lines.push('The user can then enroll a new authenticator; their old recovery codes stop working.');
  return lines.join('\n');
}

export function resetText(result: ResetResult): string {
  const { removed } = result;
  const lines = [`Reset user ${quoted(result.user)} (identity ${result.identity}):`];
  lines.push(`  removed ${plural(removed.factors.length, 'factor')}`);
  for (const factor of removed.factors) lines.push(`    ${factorLine(factor)}`);
  lines.push(`  removed ${plural(removed.recoveryCodes, 'recovery code')}`);
  lines.push(`  forgot ${plural(removed.trustedDevices, 'trusted device')}`);
  lines.push(removed.locks.length > 0 ? `  lifted the lock on ${removed.locks.join(', ')}` : '  no lock to lift');
  if (removed.enrollmentInFlight) lines.push('  ended the enrollment in flight');
  if (removed.unreadableState) lines.push("  replaced the state document, which was not in the kit's format");
  lines.push(`  recorded ${result.event.type} (${result.event.id}) in the user's activity`);
  return lines.join('\n');
}

export function unlockText(result: UnlockResult): string {
  const lines = [`Unlock user ${quoted(result.user)} (identity ${result.identity}):`];
  for (const entry of result.channels) {
    const failures = entry.consecutiveFailures > 0 ? `; cleared ${plural(entry.consecutiveFailures, 'consecutive failure')}` : '';
    const timed = entry.lockedUntil === null ? 'lifted the lock' : `lifted the lock (was locked until ${entry.lockedUntil})`;
    const was = entry.wasCapped ? `lifted the hard cap${entry.lockedUntil === null ? '' : ` and the lock until ${entry.lockedUntil}`}` : entry.wasLocked ? timed : 'was not locked';
    lines.push(`  ${entry.channel.padEnd(7)}${was}${failures}`);
  }
  lines.push(`  recorded ${result.event.type} (${result.event.id}) in the user's activity`);
  return lines.join('\n');
}

export function forgetDevicesText(result: ForgetDevicesResult): string {
  const lines = [`Forget the trusted devices of user ${quoted(result.user)} (identity ${result.identity}):`];
  if (result.forgotten.length === 0) lines.push('  no trusted device: nothing to forget');
  else lines.push(`  forgot ${plural(result.forgotten.length, 'trusted device')}; their next sign-in asks for a code`);
  for (const device of result.forgotten) lines.push(`    ${deviceLine(device)}`);
  if (result.event !== undefined) lines.push(`  recorded ${result.event.type} (${result.event.id}) in the user's activity`);
  return lines.join('\n');
}
