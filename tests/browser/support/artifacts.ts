// Screenshots of each step, kept under test-artifacts/ (git-ignored) for people to look at after a run.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

const ARTIFACTS_DIR = join(__dirname, '..', '..', '..', 'test-artifacts', 'browser');

export async function saveStep(page: Page, name: string): Promise<Buffer> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true, animations: 'disabled' });
}
