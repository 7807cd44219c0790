// The browser the tests drive: a missing or unusable one fails with a message that names CHROMIUM_PATH.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumPath, DEFAULT_CHROMIUM_PATH, launchChromium } from './support/chromium';

test('CHROMIUM_PATH overrides Debian\'s /usr/bin/chromium', () => {
  expect(chromiumPath({})).toBe(DEFAULT_CHROMIUM_PATH);
  expect(chromiumPath({ CHROMIUM_PATH: '/opt/chrome/chrome' })).toBe('/opt/chrome/chrome');
});

test('no browser at the path: the error says where it looked and names CHROMIUM_PATH', async () => {
  await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(
    /^No browser to run at \/nonexistent\/chromium\. Install Chromium .* or set CHROMIUM_PATH to a Chromium or Chrome executable/,
  );
});

test('a browser that does not start: the error names CHROMIUM_PATH too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'totp-chromium-'));
  const fake = join(dir, 'chromium');
  writeFileSync(fake, '#!/bin/sh\necho "cannot open display" >&2\nexit 1\n');
  chmodSync(fake, 0o755);
  try {
    await expect(launchChromium(fake)).rejects.toThrow(/^The browser at .*chromium did not start \(.*\)\. .*set CHROMIUM_PATH/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
