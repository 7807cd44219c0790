// The served build's layout: uploaded files where Twilio's runtime finds them, only the build's Dependencies linked
// (at exactly the version named, from this project's installed packages), and no path that leaves the build.
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildFailure, type BuildFiles, type UploadedFile } from '../../../emulator/serverless/host';
import { layOutBuild } from '../../../scripts/rehearsal/build-layout';

const ROOT = join(__dirname, '..', '..', '..');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'totp-layout-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(path: string, visibility: UploadedFile['visibility'], content: string): UploadedFile {
  return { versionSid: `ZN${'0'.repeat(32)}`, resourceSid: `ZH${'0'.repeat(32)}`, path, visibility, contentType: null, content: Buffer.from(content) };
}

function build(overrides: Partial<BuildFiles> = {}): BuildFiles {
  return {
    buildSid: `ZB${'0'.repeat(32)}`,
    serviceSid: `ZS${'0'.repeat(32)}`,
    runtime: 'node22',
    dependencies: [{ name: 'twilio', version: '6.2.0' }],
    functions: [file('/hello', 'public', 'exports.handler = () => {};'), file('/kit', 'private', '// kit')],
    assets: [file('/i18n/en.json', 'public', '{}'), file('/notes.txt', 'private', 'notes')],
    ...overrides,
  };
}

test('Functions at functions/<path>.js and Assets at assets/<path>, with their visibility as routes', () => {
  const laid = layOutBuild(build(), join(dir, 'b'), ROOT);
  expect(readFileSync(join(dir, 'b', 'functions', 'hello.js'), 'utf8')).toBe('exports.handler = () => {};');
  expect(readFileSync(join(dir, 'b', 'assets', 'i18n', 'en.json'), 'utf8')).toBe('{}');
  expect(laid.routes.functions.map((route) => [route.path, route.access, route.filePath])).toEqual([
    ['/hello', 'public', join(dir, 'b', 'functions', 'hello.js')],
    ['/kit', 'private', join(dir, 'b', 'functions', 'kit.js')],
  ]);
  expect(laid.routes.assets.map((route) => [route.path, route.access])).toEqual([
    ['/i18n/en.json', 'public'],
    ['/notes.txt', 'private'],
  ]);
});

test("only the build's Dependencies are linked into its node_modules; what they need is listed, not linked", () => {
  const laid = layOutBuild(build(), join(dir, 'b'), ROOT);
  expect(readdirSync(join(dir, 'b', 'node_modules'))).toEqual(['twilio']);
  expect(lstatSync(join(dir, 'b', 'node_modules', 'twilio')).isSymbolicLink()).toBe(true);
  expect(laid.packages).toContain('twilio@6.2.0');
  expect(laid.packages.some((name) => name.startsWith('axios@'))).toBe(true);
  // A devDependency of this project is nowhere in the closure.
  expect(laid.packages.some((name) => name.startsWith('jest@') || name.startsWith('jose@'))).toBe(false);
});

test('twilio is there when the build does not name it, as in every Twilio build', () => {
  layOutBuild(build({ dependencies: [] }), join(dir, 'b'), ROOT);
  expect(readdirSync(join(dir, 'b', 'node_modules'))).toEqual(['twilio']);
});

test.each([
  [[{ name: 'twilio', version: '6.1.0' }], 'twilio@6.1.0 is asked for, but 6.2.0 is installed in this project'],
  [[{ name: 'twilio', version: '^6.2.0' }], 'twilio@^6.2.0: the rehearsal builds exact versions only (it installs nothing)'],
  [[{ name: 'not-a-package-here', version: '1.0.0' }], 'not-a-package-here@1.0.0 is not installed in this project (run npm install)'],
])('a build whose dependencies %j cannot be made fails with the reason', (dependencies, reason) => {
  expect(() => layOutBuild(build({ dependencies }), join(dir, 'b'), ROOT)).toThrow(new BuildFailure(reason));
});

test.each(['/../escaped', '/../../escaped', '/a/../../escaped'])('an uploaded path that leaves the build (%s) fails it, and nothing is written outside', (path) => {
  expect(() => layOutBuild(build({ functions: [file(path, 'public', 'x')] }), join(dir, 'b'), ROOT)).toThrow(BuildFailure);
  expect(() => layOutBuild(build({ functions: [], assets: [file(path, 'public', 'x')] }), join(dir, 'b'), ROOT)).toThrow(BuildFailure);
  expect(existsSync(join(dir, 'escaped'))).toBe(false);
  expect(existsSync(join(dir, 'escaped.js'))).toBe(false);
  expect(existsSync(join(dir, 'b', 'escaped'))).toBe(false);
  expect(existsSync(join(dir, 'b', 'escaped.js'))).toBe(false);
});
