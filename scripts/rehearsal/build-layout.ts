// Lays out what a Build holds the way Twilio's runtime finds it: each uploaded Function at functions/<path>.js, each
// Asset at assets/<path>, and a node_modules holding only the build's Dependencies (links into the project's
// installed packages, each at the exact version asked for), so nothing else is on the Functions' module path.
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { BuildFailure, type BuildFiles, type UploadedFile } from '../../emulator/serverless/host';
import type { Dependency } from '../../emulator/serverless/records';

/** One route as @twilio/runtime-handler's server takes it. */
export interface RuntimeRoute {
  name: string;
  path: string;
  access: 'public' | 'protected' | 'private';
  content: string;
  filePath: string;
}

export interface LaidOutBuild {
  dir: string;
  routes: { functions: RuntimeRoute[]; assets: RuntimeRoute[] };
  /** Every package the Functions can load, direct Dependencies and what they depend on (name@version). */
  packages: string[];
}

/** "twilio and @twilio/runtime-handler are part of every build": twilio is added when the build does not name it. */
const ALWAYS_INSTALLED = 'twilio';
const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

interface Installed {
  dir: string;
  version: string;
  dependencies: Record<string, string>;
  optional: Set<string>;
}

/** The package `name` as Node would find it from `fromDir` (each node_modules up the tree), or undefined. */
function findInstalled(name: string, fromDir: string): Installed | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as { version?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
      return {
        dir: realpathSync(dirname(candidate)),
        version: manifest.version ?? '',
        dependencies: { ...manifest.dependencies, ...manifest.optionalDependencies },
        optional: new Set(Object.keys(manifest.optionalDependencies ?? {})),
      };
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Each direct Dependency installed at its version, and the production closure below them all there. */
function resolveDependencies(dependencies: readonly Dependency[], projectDir: string): { direct: Map<string, Installed>; packages: string[] } {
  const wanted = [...dependencies];
  if (!wanted.some((dependency) => dependency.name === ALWAYS_INSTALLED)) {
    const installed = findInstalled(ALWAYS_INSTALLED, projectDir);
    if (installed !== undefined) wanted.push({ name: ALWAYS_INSTALLED, version: installed.version });
  }
  const direct = new Map<string, Installed>();
  for (const { name, version } of wanted) {
    // Twilio installs from npm; the rehearsal has only what this project installed, so it asks for exact versions.
    if (!EXACT_VERSION.test(version)) throw new BuildFailure(`${name}@${version}: the rehearsal builds exact versions only (it installs nothing)`);
    const installed = findInstalled(name, projectDir);
    if (installed === undefined) throw new BuildFailure(`${name}@${version} is not installed in this project (run npm install)`);
    if (installed.version !== version) throw new BuildFailure(`${name}@${version} is asked for, but ${installed.version} is installed in this project`);
    direct.set(name, installed);
  }
  const seen = new Set<string>();
  const packages: string[] = [];
  const visit = (name: string, installed: Installed): void => {
    if (seen.has(installed.dir)) return;
    seen.add(installed.dir);
    packages.push(`${name}@${installed.version}`);
    for (const dependency of Object.keys(installed.dependencies)) {
      const child = findInstalled(dependency, installed.dir);
      if (child === undefined) {
        if (installed.optional.has(dependency)) continue;
        throw new BuildFailure(`${name}@${installed.version} needs ${dependency}, which is not installed in this project`);
      }
      visit(dependency, child);
    }
  };
  for (const [name, installed] of direct) visit(name, installed);
  return { direct, packages: packages.sort() };
}

/** `<dir>/<root>/<path>`, refusing a path that would leave `<dir>/<root>`. */
function fileFor(dir: string, root: string, path: string): string {
  const base = join(dir, root);
  const target = resolve(base, `.${path}`);
  if (!target.startsWith(`${base}${sep}`)) throw new BuildFailure(`the path ${path} leaves the ${root} folder`);
  return target;
}

function write(file: string, content: Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function route(file: UploadedFile, filePath: string): RuntimeRoute {
  return { name: file.path, path: file.path, access: file.visibility, content: '', filePath };
}

/** Writes the build into `dir` (emptied first). */
export function layOutBuild(files: BuildFiles, dir: string, projectDir: string): LaidOutBuild {
  const { direct, packages } = resolveDependencies(files.dependencies, projectDir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const functions = files.functions.map((file) => {
    const filePath = fileFor(dir, 'functions', `${file.path}.js`);
    write(filePath, file.content);
    return route(file, filePath);
  });
  const assets = files.assets.map((file) => {
    const filePath = fileFor(dir, 'assets', file.path);
    write(filePath, file.content);
    return route(file, filePath);
  });
  for (const [name, installed] of direct) {
    const link = join(dir, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(installed.dir, link, 'dir');
  }
  return { dir, routes: { functions, assets }, packages };
}
