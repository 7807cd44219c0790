// Reads twilio-node's form encoding: PascalCase dotted names (Config.TimeStep), arrays as repeated keys.

/** Form or query parameters of one request, with typed accessors that fail with the product's own error. */
export class FormParams {
  private readonly params: URLSearchParams;

  /** `invalid` names a malformed parameter in the product's words (Verify 60200, Sync 20001). */
  constructor(
    encoded: string,
    private readonly invalid: (name: string) => Error,
  ) {
    this.params = new URLSearchParams(encoded);
  }

  /** The product's error for a malformed parameter `name`. */
  invalidParameter(name: string): Error {
    return this.invalid(name);
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  string(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  /** Every value of a repeated key (Details.Fields=…&Details.Fields=…). */
  strings(name: string): string[] {
    return this.params.getAll(name);
  }

  /** An integer parameter; `onInvalid` builds the error for a non-integer (Twilio uses resource-specific codes). */
  integer(name: string, onInvalid: () => Error = () => this.invalid(name)): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (!/^-?\d{1,9}$/.test(raw.trim())) throw onInvalid();
    return Number(raw.trim());
  }

  boolean(name: string, onInvalid: () => Error = () => this.invalid(name)): boolean | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const normalized = raw.trim().toLowerCase();
    if (normalized === 'true') return true;
    if (normalized === 'false') return false;
    throw onInvalid();
  }

  /** Stringified JSON object with string values only (Metadata, HiddenDetails). */
  jsonObject(name: string, maxLength = 1024): Record<string, unknown> | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (raw.length > maxLength) throw this.invalid(name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw this.invalid(name);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw this.invalid(name);
    return parsed as Record<string, unknown>;
  }

  /** Names present, for diagnostics that must not echo values. */
  names(): string[] {
    return [...new Set(this.params.keys())];
  }
}
