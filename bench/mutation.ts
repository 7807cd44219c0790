// The mutation score per file, read from StrykerJS's JSON report (`npm run test:mutation` runs it after Stryker):
// printed, and recorded in docs/figures.md with the other measured figures. `--survivors` also lists every surviving
// mutant by file and line, to check against the accepted ones in docs/mutation.md. A run measured in parts (Stryker's
// `--mutate` on some files, each report kept as `mutation-<part>.json`) is read whole: each file from its newest report.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { recordFigures, type Figure } from './figures';

const REPORTS = join(__dirname, '..', 'reports', 'mutation');
const TARGET = '≥ 85 %';

type MutantStatus = 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';

interface ReportedMutant {
  mutatorName: string;
  replacement?: string;
  status: MutantStatus;
  location: { start: { line: number; column: number } };
}

interface MutationReport {
  files: Record<string, { mutants: ReportedMutant[] }>;
}

interface Tally {
  killed: number;
  survived: number;
  noCoverage: number;
  errors: number;
}

/** Stryker's own score: timeouts count as killed; compile and runtime errors and ignored mutants count for nothing. */
function tally(mutants: readonly ReportedMutant[]): Tally {
  const count = (...statuses: MutantStatus[]): number => mutants.filter((mutant) => statuses.includes(mutant.status)).length;
  return { killed: count('Killed', 'Timeout'), survived: count('Survived'), noCoverage: count('NoCoverage'), errors: count('CompileError', 'RuntimeError') };
}

function score(t: Tally): number {
  const valid = t.killed + t.survived + t.noCoverage;
  return valid === 0 ? 100 : (100 * t.killed) / valid;
}

function summary(t: Tally): string {
  const parts = [`${score(t).toFixed(1)} % (${t.killed} of ${t.killed + t.survived + t.noCoverage} killed`];
  if (t.survived > 0) parts.push(`${t.survived} survived`);
  if (t.noCoverage > 0) parts.push(`${t.noCoverage} not covered`);
  if (t.errors > 0) parts.push(`${t.errors} errors`);
  return `${parts.join('; ')})`;
}

/** Every report of the folder, oldest first, so that a file measured again counts as measured last. */
function readReports(): MutationReport {
  const names = readdirSync(REPORTS).filter((name) => /^mutation(-[\w.-]+)?\.json$/.test(name));
  if (names.length === 0) throw new Error(`no Stryker report in ${REPORTS}: run npm run test:mutation first`);
  const byAge = names.map((name) => join(REPORTS, name)).sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  const files: MutationReport['files'] = {};
  for (const path of byAge) Object.assign(files, (JSON.parse(readFileSync(path, 'utf8')) as MutationReport).files);
  return { files };
}

function main(): void {
  const report = readReports();
  const files = Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b));
  const figures: Figure[] = files.map(([file, { mutants }]) => ({ figure: `Mutation score, \`${file}\``, measured: summary(tally(mutants)), target: TARGET }));
  const all = tally(files.flatMap(([, { mutants }]) => mutants));
  figures.push({ figure: 'Mutation score, every file of the reports (docs/mutation.md says which are not re-measured)', measured: summary(all), target: TARGET });
  for (const figure of figures) console.log(`${figure.figure.replace(/`/g, '').padEnd(50)} ${figure.measured}`);
  if (process.argv.includes('--survivors')) {
    for (const [file, { mutants }] of files) {
      for (const mutant of mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')) {
        const { line, column } = mutant.location.start;
        console.log(`${mutant.status.padEnd(10)} ${file}:${line}:${column} ${mutant.mutatorName} → ${JSON.stringify(mutant.replacement ?? '')}`);
      }
    }
  }
  recordFigures({ name: 'mutation', title: 'Mutation score of the security core', command: 'npm run bench:mutation', figures });
}

main();
