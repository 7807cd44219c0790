// Runs a flow's published revision with the engine and stores the execution with its steps, as Studio records them.
import { newSid } from '../core/crypto';
import { studioRefusal } from './errors';
import { runExecution, type ExecutionResult, type ExecutionTrigger, type SimulatedCaller } from './flow';
import type { ExecutionRecord, FlowRecord } from './records';
import type { StudioContext } from './types';

export interface StoredRun {
  execution: ExecutionRecord;
  result: ExecutionResult;
}

/** Executions run the latest published revision; a flow never published cannot be executed. */
export async function runPublished(ctx: StudioContext, flow: FlowRecord, trigger: ExecutionTrigger, caller?: SimulatedCaller): Promise<StoredRun> {
  if (flow.publishedRevision === null) throw studioRefusal(`Flow ${flow.sid} has no published revision to execute`);
  const revision = ctx.store.findRevision(flow.sid, flow.publishedRevision);
  if (!revision) throw new Error(`flow ${flow.sid} has no revision ${flow.publishedRevision}`);
  const sid = newSid('FN');
  const started = ctx.clock.now();
  const result = await runExecution({
    definition: revision.definition,
    trigger,
    account: ctx.account,
    caller,
    http: ctx.http,
    clock: ctx.clock,
    sids: { flow: flow.sid, execution: sid },
  });
  const execution: ExecutionRecord = {
    sid,
    flowSid: flow.sid,
    contactChannelAddress: trigger.kind === 'call' ? trigger.from : trigger.to,
    status: result.status,
    context: result.context,
    steps: result.steps.map((step) => ({
      sid: newSid('FT'),
      name: step.name,
      transitionedFrom: step.transitioned_from,
      transitionedTo: step.transitioned_to,
      context: step.context,
      dateCreated: step.date_created,
    })),
    dateCreated: started,
    dateUpdated: ctx.clock.now(),
  };
  // The flow may have been deleted while the execution ran: then there is nothing to keep it under.
  if (ctx.store.findFlow(flow.sid)) ctx.store.saveExecution(execution);
  return { execution, result };
}
