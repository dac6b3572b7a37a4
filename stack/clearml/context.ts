/**
 * What an endpoint handler gets: the call's data, identity and version, and the server state.
 *
 * @module
 */

import type { AuthConfig } from "./auth.ts";
import type { Store } from "./store.ts";
import type { ApiVersion, Identity, JsonObject } from "./types.ts";

/** One call, as a handler sees it. */
export interface CallContext {
  /** The body merged with query-string and form parameters. */
  data: JsonObject;
  /** The authenticated caller (endpoints registered without authorization may have none). */
  identity: Identity;
  /** The version the call asked for (the server maximum without a `/vX.Y/` prefix). */
  version: ApiVersion;
  /** The server state. */
  store: Store;
  /** Token settings. */
  auth: AuthConfig;
  /** Adds a `Set-Cookie` header to the reply. */
  setCookie(cookie: string): void;
}

/** An endpoint handler; it returns the reply's `data`. */
export type EndpointHandler = (context: CallContext) => JsonObject | Promise<JsonObject>;
