// The port through which the Serverless product hands its environments to whatever serves them (the deploy
// rehearsal's served builds, scripts/rehearsal/): the files a build holds, and a deployment to serve. The product
// works without one: builds then complete at once, and environments get Twilio's twil.io names and are served nowhere.
import type { Dependency, Visibility } from './records';

/** One uploaded Function or Asset Version, as the upload host received it. */
export interface UploadedFile {
  versionSid: string;
  /** The Function's or Asset's SID (ZH). */
  resourceSid: string;
  path: string;
  visibility: Visibility;
  contentType: string | null;
  content: Buffer;
}

/** What a Build holds: exactly what was uploaded and named in the Build request. */
export interface BuildFiles {
  buildSid: string;
  serviceSid: string;
  runtime: string;
  dependencies: readonly Dependency[];
  functions: readonly UploadedFile[];
  assets: readonly UploadedFile[];
}

/** A new environment, before it has a domain name. */
export interface EnvironmentAddress {
  serviceSid: string;
  environmentSid: string;
  /** The name Twilio would give it (`<domain base>[-<suffix>].twil.io`). */
  twilioDomainName: string;
}

/** A deployment to serve: the build, and the environment it runs in. */
export interface DeployedEnvironment {
  serviceSid: string;
  environmentSid: string;
  deploymentSid: string;
  domainName: string;
  /** The service's IncludeCredentials: ACCOUNT_SID and AUTH_TOKEN are in the Functions' environment. */
  includeCredentials: boolean;
  /** The environment's Variables when the deployment was made. */
  variables: Readonly<Record<string, string>>;
  build: BuildFiles;
}

/** One line a deployed Function printed (console.log → info, console.warn → warn, console.error → error). */
export interface PrintedLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  /** The path of the Function whose request printed it, when known. */
  functionPath: string | null;
}

/** A build the host cannot make; `message` is the reason, recorded with the failed build. */
export class BuildFailure extends Error {
  override name = 'BuildFailure';
}

export interface EnvironmentHost {
  /** The domain name a new environment gets: an address where this host will serve it. */
  addressFor(environment: EnvironmentAddress): Promise<string>;
  /** Makes the build as Twilio's build service would; rejects with BuildFailure when it cannot. */
  build(files: BuildFiles): Promise<void>;
  /**
   * Serves the deployment at its environment's domain name from now on (also after a restart of the emulator, with
   * the domain name kept from before); resolves once it answers. `print` receives what the Functions print.
   */
  deploy(deployed: DeployedEnvironment, print: (line: PrintedLine) => void): Promise<void>;
  /** Stops serving one environment (its service was deleted). */
  stop(environmentSid: string): void;
  /** Stops serving every environment (the emulator's state was wiped). */
  reset(): void;
}
