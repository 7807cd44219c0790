// Builds are made after their create request is answered, as on Twilio: a queue hands each build's files to the host
// (which lays them out and resolves their dependencies) and stores how it went. A build reads `building` until then,
// and for serverlessBuildSeconds on the emulator's clock at least, so tests move time rather than sleep.
import type { Clock } from '../core/clock';
import { BuildFailure, type BuildFiles, type EnvironmentHost, type UploadedFile } from './host';
import type { BuildRecord, BuildStatus } from './records';
import { compareVersions, DEFAULT_HANDLER_VERSION, HANDLER_PACKAGE, NODE24_HANDLER } from './runtimes';
import type { ServerlessStore } from './store';

export interface BuildQueueDeps {
  store: ServerlessStore;
  clock: Clock;
  host: EnvironmentHost | undefined;
  /** Seconds a build reads `building` at least (the serverlessBuildSeconds switch). */
  buildSeconds: number;
  log: (line: string) => void;
}

/** Why node24 cannot make this build, or null: it runs handler 2.1.2, and upgrades only from 1.2.0 on. */
function node24Problem(build: BuildRecord): string | null {
  if (build.runtime !== 'node24') return null;
  const handler = build.dependencies.find((dependency) => dependency.name === HANDLER_PACKAGE)?.version ?? DEFAULT_HANDLER_VERSION;
  if (compareVersions(handler, NODE24_HANDLER.oldestUpgraded) >= 0) return null;
  return `node24 runs ${HANDLER_PACKAGE} ${NODE24_HANDLER.runs} and upgrades builds from ${NODE24_HANDLER.oldestUpgraded} on; ${handler} is older`;
}

export class BuildQueue {
  /** Bumped when the state is wiped: a build still being made then belongs to a state that is gone. */
  private generation = 0;

  constructor(private readonly deps: BuildQueueDeps) {}

  /** The status a build reads now. */
  statusOf(build: BuildRecord): BuildStatus {
    const readyAt = build.dateCreated + this.deps.buildSeconds * 1000;
    return build.status !== 'building' && this.deps.clock.now() < readyAt ? 'building' : build.status;
  }

  /** Exactly what the build holds, as uploaded. */
  filesOf(build: BuildRecord): BuildFiles {
    const files = (sids: readonly string[]): UploadedFile[] =>
      sids.flatMap((sid) => {
        const version = this.deps.store.findVersion(sid);
        if (version === undefined) return [];
        return [{ versionSid: version.sid, resourceSid: version.resourceSid, path: version.path, visibility: version.visibility, contentType: version.contentType, content: Buffer.from(version.content, 'base64') }];
      });
    return {
      buildSid: build.sid,
      serviceSid: build.serviceSid,
      runtime: build.runtime,
      dependencies: build.dependencies,
      functions: files(build.functionVersionSids),
      assets: files(build.assetVersionSids),
    };
  }

  /** Starts making a stored `building` build; its outcome is stored when known. */
  start(build: BuildRecord): void {
    void this.make(build, this.generation);
  }

  reset(): void {
    this.generation += 1;
  }

  private async make(build: BuildRecord, generation: number): Promise<void> {
    // The create request is answered (with `building`) before anything is made.
    await new Promise((resolve) => setImmediate(resolve));
    let reason = node24Problem(build);
    if (reason === null && this.deps.host !== undefined) {
      try {
        await this.deps.host.build(this.filesOf(build));
      } catch (error) {
        reason = error instanceof BuildFailure ? error.message : 'the emulator could not make the build';
        if (!(error instanceof BuildFailure)) this.deps.log(`serverless: build ${build.sid}: ${error instanceof Error ? error.name : typeof error}`);
      }
    }
    const current = this.deps.store.findBuild(build.serviceSid, build.sid);
    if (generation !== this.generation || current?.status !== 'building') return;
    this.deps.store.saveBuild({ ...current, status: reason === null ? 'completed' : 'failed', failureReason: reason, dateUpdated: this.deps.clock.now() });
    this.deps.log(`serverless: build ${build.sid} ${reason === null ? 'completed' : `failed: ${reason}`}`);
  }
}
