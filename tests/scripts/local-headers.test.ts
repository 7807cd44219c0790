// The local stack sends what the deployed kit's answers declare: each page's own CSP and referrer policy (its <meta>
// tags) as headers, with nosniff, and the Functions' JSON with nosniff and no-store.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFunctionsHarness, type FunctionsHarness } from '../helpers/functions';

const ROOT = join(__dirname, '..', '..');
let harness: FunctionsHarness;

beforeAll(async () => {
  harness = await startFunctionsHarness();
});
afterAll(async () => {
  await harness.close();
});

/** The page source's own policy, read independently of the stack's parser. */
function declaredCsp(page: string): string {
  const match = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(readFileSync(join(ROOT, 'assets', page), 'utf8'));
  return match?.[1] ?? 'missing';
}

test.each(['index.html', 'sign-in-step.html'])('/%s carries its CSP, Referrer-Policy and nosniff as headers', async (page) => {
  const response = await fetch(`${harness.url}/${page}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-security-policy')).toBe(declaredCsp(page));
  expect(response.headers.get('content-security-policy')).toContain("form-action 'none'");
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
});

test("a Function's answer, an error included, is JSON with nosniff and never cached", async () => {
  const response = await fetch(`${harness.url}/list-factors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(response.status).toBe(401);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
});
