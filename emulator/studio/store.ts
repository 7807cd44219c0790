// Studio's state behind intent-named methods; every write goes out through the core's `commit` (one journal entry).
import { Collection } from '../core/collection';
import { damagedState } from '../core/data-files';
import type { Commit, StatePart } from '../core/store';
import type { ExecutionRecord, FlowRecord, RevisionRecord, StudioChange, StudioSnapshot } from './records';

function revisionKey(flowSid: string, revision: number): string {
  return `${flowSid}/${revision}`;
}

export class StudioStore implements StatePart<StudioChange> {
  private readonly flows = new Collection<FlowRecord>((flow) => flow.sid);
  private readonly revisions = new Collection<RevisionRecord, 'flow'>((record) => revisionKey(record.flowSid, record.revision), {
    groups: { flow: (record) => record.flowSid },
  });
  private readonly executions = new Collection<ExecutionRecord, 'flow'>((execution) => execution.sid, {
    groups: { flow: (execution) => execution.flowSid },
  });

  constructor(private readonly commit: Commit<StudioChange>) {}

  findFlow(sid: string): FlowRecord | undefined {
    return this.flows.get(sid);
  }
  listFlows(): FlowRecord[] {
    return this.flows.all();
  }
  findRevision(flowSid: string, revision: number): RevisionRecord | undefined {
    return this.revisions.get(revisionKey(flowSid, revision));
  }
  /** Newest first, as Studio lists them. */
  listRevisions(flowSid: string): RevisionRecord[] {
    return this.revisions.list('flow', flowSid).reverse();
  }
  /** A flow with its new revision, written together. */
  saveFlow(flow: FlowRecord, revision: RevisionRecord): void {
    this.commit([
      { put: 'flow', record: flow },
      { put: 'revision', record: revision },
    ]);
  }
  /** A flow goes with its revisions and executions. */
  deleteFlow(sid: string): void {
    this.commit([...this.executions.keys('flow', sid).map((key) => ({ remove: 'execution' as const, sid: key })), { remove: 'flow', sid }]);
  }
  findExecution(flowSid: string, sid: string): ExecutionRecord | undefined {
    const execution = this.executions.get(sid);
    return execution?.flowSid === flowSid ? execution : undefined;
  }
  /** Newest first. */
  listExecutions(flowSid: string): ExecutionRecord[] {
    return this.executions.list('flow', flowSid).reverse();
  }
  saveExecution(execution: ExecutionRecord): void {
    this.commit([{ put: 'execution', record: execution }]);
  }
  deleteExecution(sid: string): void {
    this.commit([{ remove: 'execution', sid }]);
  }

  apply(change: StudioChange): void {
    if ('put' in change) {
      if (change.put === 'flow') this.flows.put(change.record);
      else if (change.put === 'revision') this.revisions.put(change.record);
      else this.executions.put(change.record);
      return;
    }
    if (change.remove === 'execution') {
      this.executions.remove(change.sid);
      return;
    }
    for (const record of this.revisions.list('flow', change.sid)) this.revisions.remove(revisionKey(record.flowSid, record.revision));
    this.flows.remove(change.sid);
  }

  exportState(): StudioSnapshot {
    return { flows: this.flows.all(), revisions: this.revisions.all(), executions: this.executions.all() };
  }

  loadState(section: unknown): void {
    if (typeof section !== 'object' || section === null) throw damagedState.error('');
    const state = section as Record<string, unknown>;
    const isRecord = (item: unknown): item is Record<string, unknown> => typeof item === 'object' && item !== null && !Array.isArray(item);
    const checks = [
      ['flows', (item: Record<string, unknown>) => typeof item.sid === 'string' && item.sid.startsWith('FW')],
      ['revisions', (item: Record<string, unknown>) => typeof item.flowSid === 'string' && Number.isInteger(item.revision)],
      ['executions', (item: Record<string, unknown>) => typeof item.sid === 'string' && item.sid.startsWith('FN') && Array.isArray(item.steps)],
    ] as const;
    for (const [key, valid] of checks) {
      const list = state[key];
      if (!Array.isArray(list) || !list.every((item) => isRecord(item) && valid(item))) throw damagedState.error(key);
    }
    const snapshot = section as StudioSnapshot;
    for (const record of snapshot.flows) this.apply({ put: 'flow', record });
    for (const record of snapshot.revisions) this.apply({ put: 'revision', record });
    for (const record of snapshot.executions) this.apply({ put: 'execution', record });
  }

  clear(): void {
    this.flows.clear();
    this.revisions.clear();
    this.executions.clear();
  }
}
