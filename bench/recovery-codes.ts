// `npm run bench:recovery-codes`: what the recovery codes' password hash costs (one check, one new set) at the kit's
// scrypt cost, and whether a wrong code near a stored one takes any other time than one far from every code.
import { createSecretKey } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  createRecoveryCodeVault,
  deriveRecoveryCodePepper,
  matchRecoveryCode,
  RECOVERY_CODE_BITS,
  SCRYPT_COST,
  scryptHash,
} from '../lib/core/recovery-codes';
import { recordFigures } from './figures';

const CHECKS = Number(process.env.BENCH_SAMPLES ?? 40);
const SETS = 8;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function summary(samples: number[]): { median: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

async function main(): Promise<void> {
  const keys = { pepper: deriveRecoveryCodePepper(Buffer.from('b'.repeat(32))), legacyKey: createSecretKey(Buffer.from('i'.repeat(32))) };
  const vault = createRecoveryCodeVault(keys, scryptHash);
  const { codes, stored } = await vault.issue();
  const check = (input: string) => async () => matchRecoveryCode(await vault.prepare(stored, input), stored);
  const first = codes[0] ?? '';
  // A near miss differs from code 0 in its last symbol; a far one names a slot no code has.
  const near = `${first.slice(0, -1)}${first.endsWith('0') ? '1' : '0'}`;
  const kinds = { right: first, near, far: 'Z000-0000-0000-0000' } as const;
  const samples: Record<keyof typeof kinds, number[]> = { right: [], near: [], far: [] };
  for (let i = 0; i < 3; i += 1) for (const input of Object.values(kinds)) await check(input)();
  // Interleaved, so a change in the machine's load falls on every kind alike.
  for (let i = 0; i < CHECKS; i += 1) {
    for (const kind of Object.keys(kinds) as (keyof typeof kinds)[]) samples[kind].push(await timed(check(kinds[kind])));
  }
  const issuing: number[] = [];
  for (let i = 0; i < SETS; i += 1) issuing.push(await timed(() => vault.issue()));

  const right = summary(samples.right);
  const nearSummary = summary(samples.near);
  const far = summary(samples.far);
  const sets = summary(issuing);
  const spread = Math.abs(nearSummary.median - far.median);
  const memoryMiB = (128 * SCRYPT_COST.N * SCRYPT_COST.r * SCRYPT_COST.p) / 2 ** 20;
  const lines = [
    `scrypt N=${SCRYPT_COST.N} r=${SCRYPT_COST.r} p=${SCRYPT_COST.p} (${memoryMiB} MiB), ${RECOVERY_CODE_BITS}-bit codes, ${CHECKS} checks of each kind`,
    `one check, right code: median ${ms(right.median)}, p95 ${ms(right.p95)}`,
    `one check, wrong code near code 0: median ${ms(nearSummary.median)}, p95 ${ms(nearSummary.p95)}`,
    `one check, wrong code in no slot: median ${ms(far.median)}, p95 ${ms(far.p95)}`,
    `a new set of 10: median ${ms(sets.median)}, p95 ${ms(sets.p95)}`,
  ];
  for (const line of lines) console.log(line);
  recordFigures({
    name: 'recovery-codes',
    title: 'Recovery codes: the password hash',
    command: 'npm run bench:recovery-codes',
    figures: [
      { figure: 'scrypt cost of a new set (N, r, p; memory per hash)', measured: `${SCRYPT_COST.N}, ${SCRYPT_COST.r}, ${SCRYPT_COST.p}; ${memoryMiB} MiB`, target: '—' },
      { figure: 'one recovery-code check (one scrypt + HMAC), median / p95', measured: `${ms(right.median)} / ${ms(right.p95)}`, target: 'well inside the Functions’ 10 s' },
      { figure: 'a new set of 10 (at verification and regeneration), median / p95', measured: `${ms(sets.median)} / ${ms(sets.p95)}`, target: 'well inside the Functions’ 10 s' },
      {
        figure: 'wrong code near a stored code vs in no slot, medians (difference)',
        measured: `${ms(nearSummary.median)} vs ${ms(far.median)} (${ms(spread)})`,
        target: 'the same work: one hash each',
      },
    ],
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
