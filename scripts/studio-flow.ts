// Publishes the kit's Studio flow (studio/totp-voice-check.json) with the deployment's SIDs and the check-code
// Function's URL filled in: creates the Flow once, then updates the same Flow (a new revision) on every later run.
import type twilio from 'twilio';
import shipped from '../studio/totp-voice-check.json';

/** The Flow's name in the account: how a later run finds the Flow it published before. */
export const VOICE_FLOW_NAME = 'totp-voice-check';
export const CHECK_CODE_PATH = '/studio/check-code';

export interface FunctionTarget {
  /** ZS…, ZE…, ZH… of the deployment; undefined on the local stack, which has no Serverless deployment. */
  serviceSid?: string;
  environmentSid?: string;
  functionSid?: string;
  /** The Function's URL: https://<domain>/studio/check-code once deployed. */
  url: string;
}

export interface PublishedFlow {
  sid: string;
  revision: number;
  webhookUrl: string;
  action: 'created' | 'updated';
}

type Definition = { states: Array<{ name: string; properties: Record<string, unknown> }> };

/** The shipped flow with its run-function widget pointed at `target`. */
export function voiceFlowDefinition(target: FunctionTarget): Definition {
  const definition = structuredClone(shipped) as Definition;
  const check = definition.states.find((state) => state.name === 'check_code');
  if (check === undefined) throw new Error('studio/totp-voice-check.json has no check_code widget');
  check.properties.url = target.url;
  if (target.serviceSid !== undefined) check.properties.service_sid = target.serviceSid;
  if (target.environmentSid !== undefined) check.properties.environment_sid = target.environmentSid;
  if (target.functionSid !== undefined) check.properties.function_sid = target.functionSid;
  return definition;
}

export async function publishVoiceFlow(client: twilio.Twilio, target: FunctionTarget, commitMessage: string): Promise<PublishedFlow> {
  const definition = voiceFlowDefinition(target);
  const existing = (await client.studio.v2.flows.list()).find((flow) => flow.friendlyName === VOICE_FLOW_NAME);
  const flow =
    existing === undefined
      ? await client.studio.v2.flows.create({ friendlyName: VOICE_FLOW_NAME, status: 'published', definition, commitMessage })
      : await client.studio.v2.flows(existing.sid).update({ status: 'published', definition, commitMessage });
  return { sid: flow.sid, revision: flow.revision, webhookUrl: flow.webhookUrl, action: existing === undefined ? 'created' : 'updated' };
}

/**
 * The kit's deployment as twilio-run left it: the Serverless service holding a /studio/check-code Function, its
 * environment with a domain, and that Function. Undefined before the first deploy.
 */
export async function findDeployment(client: twilio.Twilio): Promise<Required<FunctionTarget> | undefined> {
  for (const service of await client.serverless.v1.services.list()) {
    const fn = (await client.serverless.v1.services(service.sid).functions.list()).find((candidate) => candidate.friendlyName === CHECK_CODE_PATH);
    if (fn === undefined) continue;
    const environments = await client.serverless.v1.services(service.sid).environments.list();
    // The environment a build was deployed to; twilio-run makes one per deploy target, usually a single one.
    const environment = environments.find((candidate) => candidate.buildSid) ?? environments[0];
    if (environment === undefined) continue;
    return { serviceSid: service.sid, environmentSid: environment.sid, functionSid: fn.sid, url: `https://${environment.domainName}${CHECK_CODE_PATH}` };
  }
  return undefined;
}

/** How to attach the Flow to a number (a person does this once, in the Console or with the CLI). */
export function attachInstructions(flow: PublishedFlow): string[] {
  return [
    `Studio flow ${flow.sid} ${flow.action} (revision ${flow.revision}); webhook ${flow.webhookUrl}`,
    '  attach it to a number: Console > Phone Numbers > your number > Voice "A call comes in" > Studio Flow > totp-voice-check,',
    `  or: twilio phone-numbers:update <+number> --voice-url ${flow.webhookUrl}`,
  ];
}
