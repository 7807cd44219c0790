// What a Twilio product plugs into the emulator: its paths (and hosts), operations, errors and switches, and, once
// created, its state, seed, reset and control endpoints. Each product folder exports one of these; emulator/products.ts lists them.
import type { Clock } from './clock';
import type { ErrorTable, TwilioError } from './errors';
import type { Operation, RenderContext } from './operations';
import type { Commit, StatePart } from './store';
import type { SwitchSet, SwitchValues } from './switches';

/** What the core gives a product when the emulator is created. */
export interface ProductDeps<S, C> {
  clock: Clock;
  /** The product's own switches, checked and with defaults filled in. */
  switches: S;
  /** Makes one mutation's changes durable (one journal entry tagged with the product) and applies them. */
  commit: Commit<C>;
  /** The emulator's log, for what happens outside a request (Serverless's builds); never a parameter or credential. */
  log: (line: string) => void;
  /** The emulated account: Studio's run-function signs its requests with the auth token, as Twilio does. */
  account: { sid: string; authToken: string };
}

/** What a product's own control endpoint answers (under /__emulator/<product name>/). */
export interface ProductControlResult {
  status: number;
  body?: unknown;
}

/** A product inside one emulator. */
export interface ProductInstance<Ctx, C> {
  state: StatePart<C>;
  operations: readonly Operation<Ctx>[];
  /** The context one request's operation runs with. */
  context(render: RenderContext): Ctx;
  /** Makes what must always exist (Sync's default service): after the state is loaded, and after every reset. */
  seed(): void;
  /** Forgets what is kept outside the state (Sync's write-rate windows) when the state is wiped. */
  reset(): void;
  /**
   * The product's own emulator-only endpoints, `/__emulator/<name>/<path>` (Serverless's failed-build reasons,
   * Studio's simulated calls); undefined for a path it does not know. `body` is the request body as text.
   */
  control?(method: string, path: string, body: string): ProductControlResult | Promise<ProductControlResult> | undefined;
}

export interface Product<S extends SwitchValues, Ctx, C> {
  /** Tags the product's journal entries and names its part of the snapshot; never change it once data exists. */
  name: string;
  /** The Twilio host the product answers for (https://verify.twilio.com), for the docs and the emulator's client. */
  origin: string;
  /**
   * Paths the product serves start with this (/v2/). Two products may share a version prefix (Verify's and
   * Studio's /v2/): a request goes to the first product listed whose operations know its path.
   */
  prefix: string;
  /**
   * The Host names the product answers for, when it must be told apart by host: Serverless's paths start /v1/Services
   * like Sync's, so it answers only requests sent to serverless.twilio.com or its upload host (and no other product
   * answers those). Products without hosts are found by path, whatever the Host.
   */
  hosts?: readonly string[];
  /** The largest request body it reads (default 64 KiB: Twilio's API is form-encoded and small; uploads are not). */
  maxBodyBytes?: number;
  /** The product's own error codes, for the status and message of an injected fault that names only a code. */
  errors: ErrorTable;
  /** The product's error for a malformed form parameter (Verify 60200, Sync 20001). */
  invalidParameter(name: string): TwilioError;
  switches: SwitchSet<S>;
  create(deps: ProductDeps<S, C>): ProductInstance<Ctx, C>;
}

/** Any product, as the core holds them in one list (each product's own types stay inside its folder). */
export type AnyProduct = Product<SwitchValues, unknown, unknown>;
