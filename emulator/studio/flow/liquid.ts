// Liquid as Studio evaluates it in widget fields: liquidjs against the execution context, with no file access.
import { Liquid } from 'liquidjs';

const engine = new Liquid({
  // Studio renders an unknown variable as empty text, but a misspelt filter is a mistake in the flow.
  strictVariables: false,
  strictFilters: true,
  ownPropertyOnly: true,
  // No file system: {% include %} and {% render %} find nothing instead of reading files from the disk.
  templates: {},
  // Bounds against a runaway template in a flow under test.
  parseLimit: 100_000,
  renderLimit: 1_000,
  memoryLimit: 10_000_000,
});

/** The reason `template` is not valid Liquid, or undefined when it is. */
export function liquidSyntaxError(template: string): string | undefined {
  try {
    engine.parse(template);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Renders `template` against `context` (the execution context: trigger, widgets, flow, contact). */
export function renderLiquid(template: string, context: object): string {
  return String(engine.parseAndRenderSync(template, context));
}
