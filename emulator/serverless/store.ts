// Serverless's state behind intent-named methods. Persistence is the core store's: every write goes out through
// `commit` as one journal entry, and the core feeds journal replay back through `apply`.
import { Collection } from '../core/collection';
import { damagedState } from '../core/data-files';
import type { Commit, StatePart } from '../core/store';
import type {
  BuildRecord,
  DeploymentRecord,
  EnvironmentRecord,
  LogRecord,
  ResourceKind,
  ResourceRecord,
  ServerlessChange,
  ServerlessSnapshot,
  ServiceRecord,
  VariableRecord,
  VersionRecord,
} from './records';

/** Log lines kept per environment; older ones go as new ones come (Twilio keeps 30 days of them). */
export const MAX_LOGS_PER_ENVIRONMENT = 1000;

export class ServerlessStore implements StatePart<ServerlessChange> {
  private readonly services = new Collection<ServiceRecord, never, 'name'>((record) => record.sid, {
    unique: { name: (record) => record.uniqueName },
  });
  private readonly environments = new Collection<EnvironmentRecord, 'service', 'name'>((record) => record.sid, {
    groups: { service: (record) => record.serviceSid },
    unique: { name: (record) => `${record.serviceSid}/${record.uniqueName}` },
  });
  private readonly variables = new Collection<VariableRecord, 'environment', 'key'>((record) => record.sid, {
    groups: { environment: (record) => record.environmentSid },
    unique: { key: (record) => `${record.environmentSid}/${record.key}` },
  });
  private readonly resources = new Collection<ResourceRecord, 'service' | 'kind'>((record) => record.sid, {
    groups: { service: (record) => record.serviceSid, kind: (record) => `${record.serviceSid}/${record.kind}` },
  });
  private readonly versions = new Collection<VersionRecord, 'resource'>((record) => record.sid, {
    groups: { resource: (record) => record.resourceSid },
  });
  private readonly builds = new Collection<BuildRecord, 'service'>((record) => record.sid, {
    groups: { service: (record) => record.serviceSid },
  });
  private readonly deployments = new Collection<DeploymentRecord, 'environment'>((record) => record.sid, {
    groups: { environment: (record) => record.environmentSid },
  });
  private readonly logs = new Collection<LogRecord, 'environment'>((record) => record.sid, {
    groups: { environment: (record) => record.environmentSid },
  });

  constructor(private readonly commit: Commit<ServerlessChange>) {}

  // --- services
  findService(sid: string): ServiceRecord | undefined {
    return this.services.get(sid);
  }
  findServiceByUniqueName(uniqueName: string): ServiceRecord | undefined {
    return this.services.find('name', uniqueName);
  }
  listServices(): ServiceRecord[] {
    return this.services.all();
  }
  saveService(service: ServiceRecord): void {
    this.commit([{ put: 'service', record: service }]);
  }
  /** Deletes the service with its environments, Functions, Assets and builds. */
  deleteService(sid: string): void {
    this.commit([{ remove: 'service', sid }]);
  }

  // --- environments and their variables
  findEnvironment(serviceSid: string, sid: string): EnvironmentRecord | undefined {
    const environment = this.environments.get(sid);
    return environment?.serviceSid === serviceSid ? environment : undefined;
  }
  findEnvironmentByName(serviceSid: string, uniqueName: string): EnvironmentRecord | undefined {
    return this.environments.find('name', `${serviceSid}/${uniqueName}`);
  }
  listEnvironments(serviceSid: string): EnvironmentRecord[] {
    return this.environments.list('service', serviceSid);
  }
  allEnvironments(): EnvironmentRecord[] {
    return this.environments.all();
  }
  saveEnvironment(environment: EnvironmentRecord): void {
    this.commit([{ put: 'environment', record: environment }]);
  }
  findVariable(environmentSid: string, sid: string): VariableRecord | undefined {
    const variable = this.variables.get(sid);
    return variable?.environmentSid === environmentSid ? variable : undefined;
  }
  findVariableByKey(environmentSid: string, key: string): VariableRecord | undefined {
    return this.variables.find('key', `${environmentSid}/${key}`);
  }
  listVariables(environmentSid: string): VariableRecord[] {
    return this.variables.list('environment', environmentSid);
  }
  saveVariable(variable: VariableRecord): void {
    this.commit([{ put: 'variable', record: variable }]);
  }
  deleteVariable(sid: string): void {
    this.commit([{ remove: 'variable', sid }]);
  }

  // --- Functions, Assets and their versions
  findResource(serviceSid: string, kind: ResourceKind, sid: string): ResourceRecord | undefined {
    const resource = this.resources.get(sid);
    return resource?.serviceSid === serviceSid && resource.kind === kind ? resource : undefined;
  }
  listResources(serviceSid: string, kind: ResourceKind): ResourceRecord[] {
    return this.resources.list('kind', `${serviceSid}/${kind}`);
  }
  saveResource(resource: ResourceRecord): void {
    this.commit([{ put: 'resource', record: resource }]);
  }
  findVersion(sid: string): VersionRecord | undefined {
    return this.versions.get(sid);
  }
  listVersions(resourceSid: string): VersionRecord[] {
    return this.versions.list('resource', resourceSid);
  }
  saveVersion(version: VersionRecord): void {
    this.commit([{ put: 'version', record: version }]);
  }

  // --- builds and deployments
  findBuild(serviceSid: string, sid: string): BuildRecord | undefined {
    const build = this.builds.get(sid);
    return build?.serviceSid === serviceSid ? build : undefined;
  }
  listBuilds(serviceSid: string): BuildRecord[] {
    return this.builds.list('service', serviceSid);
  }
  allBuilds(): BuildRecord[] {
    return this.builds.all();
  }
  saveBuild(build: BuildRecord): void {
    this.commit([{ put: 'build', record: build }]);
  }
  findDeployment(environmentSid: string, sid: string): DeploymentRecord | undefined {
    const deployment = this.deployments.get(sid);
    return deployment?.environmentSid === environmentSid ? deployment : undefined;
  }
  listDeployments(environmentSid: string): DeploymentRecord[] {
    return this.deployments.list('environment', environmentSid);
  }
  /** Stores a deployment with its environment, which now serves the deployment's build. */
  saveDeployment(deployment: DeploymentRecord, environment: EnvironmentRecord): void {
    this.commit([
      { put: 'deployment', record: deployment },
      { put: 'environment', record: environment },
    ]);
  }

  // --- logs
  findLog(environmentSid: string, sid: string): LogRecord | undefined {
    const log = this.logs.get(sid);
    return log?.environmentSid === environmentSid ? log : undefined;
  }
  /** Oldest first. */
  listLogs(environmentSid: string): LogRecord[] {
    return this.logs.list('environment', environmentSid);
  }
  /** Stores a line, dropping the environment's oldest once it holds MAX_LOGS_PER_ENVIRONMENT. */
  saveLog(log: LogRecord): void {
    const kept = this.logs.keys('environment', log.environmentSid);
    const dropped = kept.slice(0, Math.max(0, kept.length + 1 - MAX_LOGS_PER_ENVIRONMENT));
    this.commit([...dropped.map((sid): ServerlessChange => ({ remove: 'log', sid })), { put: 'log', record: log }]);
  }

  // --- the core store's hooks (persistence, reset)
  exportState(): ServerlessSnapshot {
    return {
      services: this.services.all(),
      environments: this.environments.all(),
      variables: this.variables.all(),
      resources: this.resources.all(),
      versions: this.versions.all(),
      builds: this.builds.all(),
      deployments: this.deployments.all(),
      logs: this.logs.all(),
    };
  }

  /** Each list present, holding records whose SIDs have the resource's prefix. */
  loadState(section: unknown): void {
    if (typeof section !== 'object' || section === null) throw damagedState.error('');
    const state = section as Record<string, unknown>;
    const prefixes = {
      services: 'ZS',
      environments: 'ZE',
      variables: 'ZV',
      resources: 'ZH',
      versions: 'ZN',
      builds: 'ZB',
      deployments: 'ZD',
      logs: 'NO',
    } as const;
    for (const [key, prefix] of Object.entries(prefixes)) {
      const list = state[key];
      const valid = (item: unknown): boolean =>
        typeof item === 'object' && item !== null && typeof (item as { sid?: unknown }).sid === 'string' && (item as { sid: string }).sid.startsWith(prefix);
      if (!Array.isArray(list) || !list.every(valid)) throw damagedState.error(key);
    }
    const snapshot = section as ServerlessSnapshot;
    for (const record of snapshot.services) this.apply({ put: 'service', record });
    for (const record of snapshot.environments) this.apply({ put: 'environment', record });
    for (const record of snapshot.variables) this.apply({ put: 'variable', record });
    for (const record of snapshot.resources) this.apply({ put: 'resource', record });
    for (const record of snapshot.versions) this.apply({ put: 'version', record });
    for (const record of snapshot.builds) this.apply({ put: 'build', record });
    for (const record of snapshot.deployments) this.apply({ put: 'deployment', record });
    for (const record of snapshot.logs) this.apply({ put: 'log', record });
  }

  clear(): void {
    for (const collection of [this.services, this.environments, this.variables, this.resources, this.versions, this.builds, this.deployments, this.logs]) {
      collection.clear();
    }
  }

  /** The single place Serverless state changes, for live requests and journal replay alike (so replay is exact). */
  apply(change: ServerlessChange): void {
    if ('remove' in change) {
      this.remove(change.remove, change.sid);
      return;
    }
    switch (change.put) {
      case 'service':
        this.services.put(change.record);
        return;
      case 'environment':
        this.environments.put(change.record);
        return;
      case 'variable':
        this.variables.put(change.record);
        return;
      case 'resource':
        this.resources.put(change.record);
        return;
      case 'version':
        this.versions.put(change.record);
        return;
      case 'build':
        this.builds.put(change.record);
        return;
      case 'deployment':
        this.deployments.put(change.record);
        return;
      case 'log':
        this.logs.put(change.record);
        return;
    }
  }

  private remove(kind: 'service' | 'environment' | 'variable' | 'log', sid: string): void {
    switch (kind) {
      case 'service':
        for (const environmentSid of this.environments.keys('service', sid)) this.remove('environment', environmentSid);
        for (const resourceSid of this.resources.keys('service', sid)) {
          for (const versionSid of this.versions.keys('resource', resourceSid)) this.versions.remove(versionSid);
          this.resources.remove(resourceSid);
        }
        for (const buildSid of this.builds.keys('service', sid)) this.builds.remove(buildSid);
        this.services.remove(sid);
        return;
      case 'environment':
        for (const variableSid of this.variables.keys('environment', sid)) this.variables.remove(variableSid);
        for (const deploymentSid of this.deployments.keys('environment', sid)) this.deployments.remove(deploymentSid);
        for (const logSid of this.logs.keys('environment', sid)) this.logs.remove(logSid);
        this.environments.remove(sid);
        return;
      case 'variable':
        this.variables.remove(sid);
        return;
      case 'log':
        this.logs.remove(sid);
        return;
    }
  }
}
