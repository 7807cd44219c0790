// The emulator's shape: products plugged in from one list, each importing only the core and its own files, and the
// emulator's client sending exactly the products' origins to it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EMULATED_ORIGINS } from '../../../emulator/client/http-client';
import { PRODUCTS } from '../../../emulator/products';

const EMULATOR = path.join(__dirname, '../../../emulator');

/** Every relative import of the .ts files under `dir`, resolved to a path inside emulator/ (e.g. core/errors). */
function importsUnder(dir: string): Array<{ file: string; target: string }> {
  const found: Array<{ file: string; target: string }> = [];
  for (const entry of fs.readdirSync(path.join(EMULATOR, dir), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    for (const match of fs.readFileSync(file, 'utf8').matchAll(/(?:\bfrom|\bimport|\brequire\()\s*'(\.[^']*)'/g)) {
      found.push({ file: path.relative(EMULATOR, file), target: path.relative(EMULATOR, path.resolve(path.dirname(file), match[1] ?? '')) });
    }
  }
  return found;
}

test('the products are listed once, with distinct names, each at a version prefix', () => {
  expect(PRODUCTS.map((product) => product.name)).toEqual(['verify', 'sync', 'serverless', 'studio']);
  for (const product of PRODUCTS) expect([product.name, product.prefix]).toEqual([product.name, expect.stringMatching(/^\/v\d+\/$/)]);
});

test.each(PRODUCTS.map((product) => product.name))('emulator/%s imports only emulator/core and its own files', (name) => {
  const imports = importsUnder(name);
  expect(imports.length).toBeGreaterThan(0);
  const outside = imports.filter(({ target }) => !target.startsWith('core/') && !target.startsWith(`${name}/`) && target !== name);
  expect(outside).toEqual([]);
});

test('emulator/core imports no product', () => {
  const products = new Set<string>(PRODUCTS.map((product) => product.name));
  expect(importsUnder('core').filter(({ target }) => products.has(target.split('/')[0] ?? ''))).toEqual([]);
});

test("the emulator's client sends exactly the products' origins to it", () => {
  expect([...EMULATED_ORIGINS].sort()).toEqual(PRODUCTS.map((product) => product.origin).sort());
});
