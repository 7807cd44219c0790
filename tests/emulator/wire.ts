// Wire-format checks: success bodies against Twilio's official OpenAPI descriptions (Verify v2, Sync v1, Serverless
// v1), error bodies in Twilio's envelope.
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RecordedExchange } from '../helpers/emulator';

/** node_modules/@twilio-alpha/mcp ships Twilio's official OpenAPI descriptions (twilio-oai). */
const MCP_SPECS = path.join(__dirname, '../../node_modules/@twilio-alpha/mcp/twilio-oai/spec/json');

/**
 * The descriptions a success body must satisfy, chosen by the path's version prefix. Verify is checked against two:
 * the one @twilio-alpha/mcp ships, and a newer copy of twilio-oai's twilio_verify_v2.json kept in schemas/ (it adds
 * the Service's `passkeys` and the new factor's `options`); a body must satisfy both.
 */
const SOURCES = [
  { id: 'twilio_verify_v2', prefix: '/v2/', file: path.join(MCP_SPECS, 'twilio_verify_v2.json') },
  { id: 'twilio_verify_v2_newest', prefix: '/v2/', file: path.join(__dirname, 'schemas/twilio_verify_v2.json') },
  { id: 'twilio_sync_v1', prefix: '/v1/', file: path.join(MCP_SPECS, 'twilio_sync_v1.json') },
  // Serverless's paths start /v1/Services like Sync's: its description covers what was sent to its host.
  { id: 'twilio_serverless_v1', prefix: '/v1/', host: 'serverless.twilio.com', file: path.join(MCP_SPECS, 'twilio_serverless_v1.json') },
  // Studio's paths are /v2/ like Verify's: the longer prefix wins, so /v2/Flows is checked against Studio's only.
  { id: 'twilio_studio_v2', prefix: '/v2/Flows', file: path.join(MCP_SPECS, 'twilio_studio_v2.json') },
];
/** Hosts whose requests only their own description covers. */
const HOST_BOUND = new Set(SOURCES.flatMap((source) => ('host' in source ? [source.host] : [])));

type JsonSchema = { $ref?: string; type?: string; properties?: Record<string, JsonSchema>; items?: JsonSchema };
interface SpecOperation {
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}
interface Spec {
  paths: Record<string, Record<string, SpecOperation>>;
  components: { schemas: Record<string, JsonSchema> };
}

/**
 * Twilio marks free-form properties (totp, binding, config…) `nullable` without a `type`; OpenAPI 3.0 allows it,
 * ajv refuses it. Dropping `nullable` there changes nothing: an untyped schema already accepts null.
 */
function dropUntypedNullable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUntypedNullable);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([key]) => !(key === 'nullable' && !('type' in value) && !('$ref' in value)))
    .map(([key, inner]) => [key, dropUntypedNullable(inner)]);
  return Object.fromEntries(entries);
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
// Twilio-specific formats: uri-map is an object of URLs; the others do not occur in Verify TOTP or Sync bodies.
for (const format of ['uri-map', 'int64', 'iso-country-code', 'phone-number']) ajv.addFormat(format, true);

interface LoadedSpec {
  id: string;
  prefix: string;
  host: string | undefined;
  spec: Spec;
}

const SPECS: LoadedSpec[] = SOURCES.map((source) => {
  const spec = dropUntypedNullable(JSON.parse(fs.readFileSync(source.file, 'utf8'))) as Spec;
  ajv.addSchema({ ...spec, $id: source.id });
  return { id: source.id, prefix: source.prefix, host: 'host' in source ? source.host : undefined, spec };
});

/** The descriptions covering a request to `host` (none given: the emulator's own address) for `concretePath`. */
function coveringSpecs(concretePath: string, host: string | undefined): LoadedSpec[] {
  const candidates = SPECS.filter(
    (loaded) => concretePath.startsWith(loaded.prefix) && (loaded.host === undefined ? !HOST_BOUND.has(host ?? '') : loaded.host === host),
  );
  const longest = Math.max(0, ...candidates.map((loaded) => loaded.prefix.length));
  return candidates.filter((loaded) => loaded.prefix.length === longest);
}

/** The OpenAPI path template matching a concrete path, e.g. /v2/Services/VA… → /v2/Services/{Sid}. */
function specPathFor(concretePath: string, spec: Spec): string | undefined {
  const pathname = concretePath.split('?')[0] ?? '';
  const matching = Object.keys(spec.paths).filter((template) =>
    new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`).test(pathname),
  );
  // A literal segment beats a parameter (Studio's /v2/Flows/Validate is not /v2/Flows/{Sid}).
  const parameters = (template: string) => (template.match(/\{/g) ?? []).length;
  return matching.sort((a, b) => parameters(a) - parameters(b))[0];
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function responseSchema(loaded: LoadedSpec, method: string, template: string, status: number): { validate: ValidateFunction; schema: JsonSchema } {
  const operation = loaded.spec.paths[template]?.[method.toLowerCase()];
  const schema = operation?.responses[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${loaded.id} has no ${status} JSON response for ${method} ${template}`);
  const pointer = ['paths', template, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema']
    .map(escapePointer)
    .join('/');
  const validate = ajv.getSchema(`${loaded.id}#/${pointer}`);
  if (!validate) throw new Error(`cannot compile ${loaded.id} schema for ${method} ${template}`);
  return { validate, schema };
}

function resolve(spec: Spec, schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = spec.components.schemas[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return resolve(spec, target);
}

/** Every property the schema lists must be present (null allowed where the schema says nullable). */
function missingProperties(spec: Spec, schemaIn: JsonSchema, data: unknown, at = ''): string[] {
  const schema = resolve(spec, schemaIn);
  if (Array.isArray(data) && schema.items) {
    return data.flatMap((item, index) => missingProperties(spec, schema.items as JsonSchema, item, `${at}[${index}]`));
  }
  if (typeof data !== 'object' || data === null || !schema.properties) return [];
  const record = data as Record<string, unknown>;
  return Object.entries(schema.properties).flatMap(([name, property]) =>
    name in record ? missingProperties(spec, property, record[name], `${at}.${name}`) : [`${at}.${name}`],
  );
}

/**
 * Asserts one success body against its operation's response schema in every description that covers the path
 * (Verify's by /v2, Sync's by /v1, Serverless's by /v1 on its host), with every listed property present. Returns how
 * many descriptions checked it.
 */
export function expectMatchesSpec(method: string, concretePath: string, status: number, body: unknown, host?: string): number {
  const covering = coveringSpecs(concretePath, host);
  if (covering.length === 0) throw new Error(`${concretePath} is not a Verify v2, Sync v1, Serverless v1 or Studio v2 path`);
  for (const loaded of covering) {
    const template = specPathFor(concretePath, loaded.spec);
    if (!template) throw new Error(`${concretePath} is not a path of ${loaded.id}`);
    const { validate, schema } = responseSchema(loaded, method, template, status);
    const operation = `${loaded.id}: ${method} ${template} ${status}`;
    const valid = validate(body);
    expect({ operation, errors: valid ? [] : validate.errors }).toEqual({ operation, errors: [] });
    expect({ operation, missing: missingProperties(loaded.spec, schema, body) }).toEqual({ operation, missing: [] });
  }
  return covering.length;
}

/**
 * Asserts a body against one named schema of a description, every listed property present: for answers the
 * description has no operation for (Serverless's Version uploads, on its upload host).
 */
export function expectMatchesComponent(specId: string, component: string, body: unknown): void {
  const loaded = SPECS.find((candidate) => candidate.id === specId);
  if (!loaded) throw new Error(`no description ${specId}`);
  const validate = ajv.getSchema(`${specId}#/components/schemas/${escapePointer(component)}`);
  if (!validate) throw new Error(`${specId} has no schema ${component}`);
  const valid = validate(body);
  expect({ component, errors: valid ? [] : validate.errors }).toEqual({ component, errors: [] });
  expect({ component, missing: missingProperties(loaded.spec, { $ref: `#/components/schemas/${component}` }, body) }).toEqual({ component, missing: [] });
}

/** Asserts Twilio's legacy error envelope: exactly code, message, more_info, status, matching the HTTP status. */
export function expectTwilioErrorEnvelope(status: number, body: unknown): void {
  expect(body).toEqual({
    code: expect.any(Number),
    message: expect.any(String),
    more_info: `https://www.twilio.com/docs/errors/${(body as { code: number }).code}`,
    status,
  });
}

/**
 * Checks every recorded exchange: 2xx bodies against the OpenAPI description (204 must be empty), errors in the
 * envelope. Returns how many bodies were checked so callers can assert that the check did something.
 */
export function expectWireCompatible(exchanges: readonly RecordedExchange[]): number {
  for (const exchange of exchanges) {
    if (exchange.status === 204) {
      // However the client represents "no body" (empty string, undefined or null), nothing may be in it.
      expect(['', undefined, null]).toContain(exchange.body);
    } else if (exchange.status < 300) {
      expectMatchesSpec(exchange.method, exchange.path, exchange.status, parseBody(exchange.body), exchange.host);
    } else {
      expectTwilioErrorEnvelope(exchange.status, parseBody(exchange.body));
    }
  }
  return exchanges.length;
}

function parseBody(body: unknown): unknown {
  return typeof body === 'string' ? (JSON.parse(body) as unknown) : body;
}
