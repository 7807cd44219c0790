// Serverless's stored state: plain, JSON-serialisable records (dates as epoch ms), one per Serverless v1 resource,
// and the changes that write them (each mutation is one journal entry).
import type { Put, Remove } from '../core/store';

/** Who may reach a Function or Asset once deployed (a Version's `Visibility`). */
export type Visibility = 'public' | 'protected' | 'private';
export type ResourceKind = 'function' | 'asset';

export interface ServiceRecord {
  sid: string;
  uniqueName: string;
  friendlyName: string;
  includeCredentials: boolean;
  uiEditable: boolean;
  /** `<unique name>-<4 digits>`, the start of every environment's domain name, as Twilio makes it. */
  domainBase: string;
  dateCreated: number;
  dateUpdated: number;
}

export interface EnvironmentRecord {
  sid: string;
  serviceSid: string;
  uniqueName: string;
  /** Null for an environment without a suffix (twilio-run's production). */
  domainSuffix: string | null;
  /** Where the environment answers: Twilio's `<domain base>[-<suffix>].twil.io`, or a local address when served here. */
  domainName: string;
  /** The build of its latest deployment. */
  buildSid: string | null;
  dateCreated: number;
  dateUpdated: number;
}

export interface VariableRecord {
  sid: string;
  serviceSid: string;
  environmentSid: string;
  key: string;
  value: string;
  dateCreated: number;
  dateUpdated: number;
}

/** A Function or an Asset (both ZH): a name that Versions hang off. */
export interface ResourceRecord {
  sid: string;
  serviceSid: string;
  kind: ResourceKind;
  friendlyName: string;
  dateCreated: number;
  dateUpdated: number;
}

/** One uploaded Function or Asset Version (ZN): its path, visibility and content, as the upload host received them. */
export interface VersionRecord {
  sid: string;
  serviceSid: string;
  kind: ResourceKind;
  resourceSid: string;
  path: string;
  visibility: Visibility;
  /** The Content part's Content-Type header (twilio-run sends one per file), or null when absent. */
  contentType: string | null;
  /** The Content part's bytes, in Base64. */
  content: string;
  dateCreated: number;
}

export interface Dependency {
  name: string;
  version: string;
}

export type BuildStatus = 'building' | 'completed' | 'failed';

export interface BuildRecord {
  sid: string;
  serviceSid: string;
  functionVersionSids: string[];
  assetVersionSids: string[];
  dependencies: Dependency[];
  runtime: string;
  /** What the build came to; it reads `building` until then, and for serverlessBuildSeconds at least. */
  status: BuildStatus;
  /** Why a failed build failed (Twilio's API has no field for it: the emulator's log and control endpoint say it). */
  failureReason: string | null;
  dateCreated: number;
  dateUpdated: number;
}

export interface DeploymentRecord {
  sid: string;
  serviceSid: string;
  environmentSid: string;
  buildSid: string;
  dateCreated: number;
  dateUpdated: number;
}

/** A line a deployed Function printed. */
export interface LogRecord {
  sid: string;
  serviceSid: string;
  environmentSid: string;
  buildSid: string;
  deploymentSid: string;
  functionSid: string | null;
  requestSid: string | null;
  level: 'info' | 'warn' | 'error';
  message: string;
  dateCreated: number;
}

export type ServerlessChange =
  | Put<'service', ServiceRecord>
  | Put<'environment', EnvironmentRecord>
  | Put<'variable', VariableRecord>
  | Put<'resource', ResourceRecord>
  | Put<'version', VersionRecord>
  | Put<'build', BuildRecord>
  | Put<'deployment', DeploymentRecord>
  | Put<'log', LogRecord>
  | Remove<'service' | 'environment' | 'variable' | 'log'>;

export interface ServerlessSnapshot {
  services: ServiceRecord[];
  environments: EnvironmentRecord[];
  variables: VariableRecord[];
  resources: ResourceRecord[];
  versions: VersionRecord[];
  builds: BuildRecord[];
  deployments: DeploymentRecord[];
  logs: LogRecord[];
}
