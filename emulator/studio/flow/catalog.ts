// The widgets the engine knows: each type's events and properties, read by validation and by the runners alike.
// Names follow Twilio's widget library pages, cross-checked with a typed public model of the widgets.

export type PropertyKind =
  | 'string' // plain text, not evaluated
  | 'template' // text evaluated as Liquid against the execution context
  | 'integer'
  | 'boolean'
  | 'offset' // the canvas position {x, y}: kept, never used
  | 'keyValues'; // [{key, value}] with `value` a Liquid template

export interface PropertySpec {
  kind: PropertyKind;
  required?: boolean;
  /** Smallest accepted value of an integer. */
  min?: number;
  /** The only accepted values of a string. */
  oneOf?: readonly string[];
}

export interface WidgetSpec {
  events: readonly string[];
  properties: Readonly<Record<string, PropertySpec>>;
  /** At least one of these must be present (say-play needs something to say, play or dial). */
  needsOneOf?: readonly string[];
}

const OFFSET: PropertySpec = { kind: 'offset' };
// TwiML <Gather finishOnKey>: one of 0-9, #, *, or empty for none.
const KEYS = ['', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '#', '*'] as const;

export const WIDGETS = {
  trigger: {
    events: ['incomingMessage', 'incomingCall', 'incomingConversationMessage', 'incomingRequest', 'incomingParent'],
    properties: { offset: OFFSET },
  },
  'gather-input-on-call': {
    events: ['keypress', 'speech', 'timeout'],
    properties: {
      say: { kind: 'template' },
      play: { kind: 'template' },
      voice: { kind: 'string' },
      language: { kind: 'string' },
      loop: { kind: 'integer', min: 1 },
      number_of_digits: { kind: 'integer', min: 1 },
      finish_on_key: { kind: 'string', oneOf: KEYS },
      timeout: { kind: 'integer', min: 1 },
      stop_gather: { kind: 'boolean' },
      gather_language: { kind: 'string' },
      speech_timeout: { kind: 'string' },
      speech_model: { kind: 'string' },
      profanity_filter: { kind: 'string', oneOf: ['true', 'false'] },
      hints: { kind: 'string' },
      offset: OFFSET,
    },
  },
  'run-function': {
    events: ['success', 'fail'],
    properties: {
      url: { kind: 'string', required: true },
      service_sid: { kind: 'string' },
      environment_sid: { kind: 'string' },
      function_sid: { kind: 'string' },
      parameters: { kind: 'keyValues' },
      offset: OFFSET,
    },
  },
  'split-based-on': {
    events: ['match', 'noMatch'],
    properties: { input: { kind: 'template', required: true }, offset: OFFSET },
  },
  'set-variables': {
    events: ['next'],
    properties: { variables: { kind: 'keyValues' }, offset: OFFSET },
  },
  'say-play': {
    events: ['audioComplete'],
    properties: {
      say: { kind: 'template' },
      play: { kind: 'template' },
      digits: { kind: 'template' },
      voice: { kind: 'string' },
      language: { kind: 'string' },
      loop: { kind: 'integer', min: 1 },
      offset: OFFSET,
    },
    needsOneOf: ['say', 'play', 'digits'],
  },
} as const satisfies Record<string, WidgetSpec>;

export type WidgetType = keyof typeof WIDGETS;

export function isWidgetType(type: string): type is WidgetType {
  return Object.hasOwn(WIDGETS, type);
}

export function widgetSpec(type: WidgetType): WidgetSpec {
  return WIDGETS[type];
}

/** Every widget type the engine knows, in catalogue order (for messages). */
export const WIDGET_TYPES: readonly WidgetType[] = Object.keys(WIDGETS) as WidgetType[];
