// The kit's shipped Studio flow (studio/totp-voice-check.json), with its check_code widget pointed at a given URL.
import shipped from '../../../studio/totp-voice-check.json';
import type { FlowDefinition } from '../../../emulator/studio/flow';

export const SHIPPED_FLOW = shipped as FlowDefinition;

/** A copy of the shipped flow whose run-function calls `url`, as setup fills it in from a deployment. */
export function shippedFlowCalling(url: string): FlowDefinition {
  const flow = structuredClone(SHIPPED_FLOW);
  const checkCode = flow.states.find((state) => state.name === 'check_code');
  if (checkCode === undefined) throw new Error('the shipped flow has no check_code widget');
  checkCode.properties.url = url;
  return flow;
}

export const SHIPPED_STATE_NAMES = SHIPPED_FLOW.states.map((state) => state.name);
