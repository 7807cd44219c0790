// Studio's stored state: plain JSON records (dates as epoch ms) for Flows, their Revisions, Executions and Steps.
import type { ExecutionContext, FlowIssue } from './flow';
import type { Put, Remove } from '../core/store';

export type FlowStatus = 'draft' | 'published';

/** One saved revision of a flow; the flow itself reads as its latest revision. */
export interface RevisionRecord {
  flowSid: string;
  revision: number;
  friendlyName: string;
  status: FlowStatus;
  definition: unknown;
  commitMessage: string | null;
  valid: boolean;
  errors: FlowIssue[];
  warnings: FlowIssue[];
  dateCreated: number;
}

export interface FlowRecord {
  sid: string;
  /** The latest revision's number; the revision records hold the content. */
  revision: number;
  /** The revision executions run (the latest one published), or null while the flow was never published. */
  publishedRevision: number | null;
  dateCreated: number;
  dateUpdated: number;
}

export interface StepRecord {
  sid: string;
  name: string;
  transitionedFrom: string;
  transitionedTo: string;
  context: unknown;
  dateCreated: number;
}

export interface ExecutionRecord {
  sid: string;
  flowSid: string;
  contactChannelAddress: string;
  status: 'active' | 'ended';
  context: ExecutionContext;
  steps: StepRecord[];
  dateCreated: number;
  dateUpdated: number;
}

export interface StudioSnapshot {
  flows: FlowRecord[];
  revisions: RevisionRecord[];
  executions: ExecutionRecord[];
}

/** One durable Studio change; a mutation's changes travel as one journal entry tagged `studio`. */
export type StudioChange =
  | Put<'flow', FlowRecord>
  | Put<'revision', RevisionRecord>
  | Put<'execution', ExecutionRecord>
  | Remove<'flow'>
  | Remove<'execution'>;
