// Studio v2 resources as Twilio renders them (snake_case, ISO dates, absolute URLs on studio.twilio.com's paths).
import { isoSeconds } from '../core/clock';
import type { RenderContext } from '../core/operations';
import type { ExecutionRecord, FlowRecord, RevisionRecord, StepRecord } from './records';

const flowUrl = (render: RenderContext, sid: string) => `${render.baseUrl}/v2/Flows/${sid}`;
const executionUrl = (render: RenderContext, execution: ExecutionRecord) => `${flowUrl(render, execution.flowSid)}/Executions/${execution.sid}`;

/** Where a phone number's "A call comes in" points to run the flow (Twilio's webhook host, not the API's). */
export function webhookUrl(render: RenderContext, flowSid: string): string {
  return `https://webhooks.twilio.com/v1/Accounts/${render.accountSid}/Flows/${flowSid}`;
}

export function renderFlow(render: RenderContext, flow: FlowRecord, latest: RevisionRecord) {
  const url = flowUrl(render, flow.sid);
  return {
    sid: flow.sid,
    account_sid: render.accountSid,
    friendly_name: latest.friendlyName,
    definition: latest.definition,
    status: latest.status,
    revision: flow.revision,
    commit_message: latest.commitMessage,
    valid: latest.valid,
    errors: latest.errors,
    warnings: latest.warnings,
    date_created: isoSeconds(flow.dateCreated),
    date_updated: isoSeconds(flow.dateUpdated),
    webhook_url: webhookUrl(render, flow.sid),
    url,
    links: { test_users: `${url}/TestUsers`, revisions: `${url}/Revisions`, executions: `${url}/Executions` },
  };
}

export function renderRevision(render: RenderContext, flow: FlowRecord, revision: RevisionRecord) {
  return {
    sid: flow.sid,
    account_sid: render.accountSid,
    friendly_name: revision.friendlyName,
    definition: revision.definition,
    status: revision.status,
    revision: revision.revision,
    commit_message: revision.commitMessage,
    valid: revision.valid,
    errors: revision.errors,
    date_created: isoSeconds(flow.dateCreated),
    date_updated: isoSeconds(revision.dateCreated),
    url: `${flowUrl(render, flow.sid)}/Revisions/${revision.revision}`,
  };
}

export function renderExecution(render: RenderContext, execution: ExecutionRecord) {
  const url = executionUrl(render, execution);
  return {
    sid: execution.sid,
    account_sid: render.accountSid,
    flow_sid: execution.flowSid,
    contact_channel_address: execution.contactChannelAddress,
    context: execution.context,
    status: execution.status,
    date_created: isoSeconds(execution.dateCreated),
    date_updated: isoSeconds(execution.dateUpdated),
    url,
    links: { steps: `${url}/Steps`, execution_context: `${url}/Context` },
  };
}

export function renderExecutionContext(render: RenderContext, execution: ExecutionRecord) {
  return {
    account_sid: render.accountSid,
    context: execution.context,
    flow_sid: execution.flowSid,
    execution_sid: execution.sid,
    url: `${executionUrl(render, execution)}/Context`,
  };
}

export function renderStep(render: RenderContext, execution: ExecutionRecord, step: StepRecord) {
  const url = `${executionUrl(render, execution)}/Steps/${step.sid}`;
  return {
    sid: step.sid,
    account_sid: render.accountSid,
    flow_sid: execution.flowSid,
    execution_sid: execution.sid,
    parent_step_sid: null,
    name: step.name,
    context: step.context,
    transitioned_from: step.transitionedFrom,
    transitioned_to: step.transitionedTo,
    date_created: isoSeconds(step.dateCreated),
    date_updated: isoSeconds(step.dateCreated),
    url,
    links: { step_context: `${url}/Context` },
  };
}

export function renderStepContext(render: RenderContext, execution: ExecutionRecord, step: StepRecord) {
  return {
    account_sid: render.accountSid,
    context: step.context,
    execution_sid: execution.sid,
    flow_sid: execution.flowSid,
    step_sid: step.sid,
    url: `${executionUrl(render, execution)}/Steps/${step.sid}/Context`,
  };
}
