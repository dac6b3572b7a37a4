/**
 * The SDK's version, kept equal to `deno.json`'s by `scripts/bump_version.ts` (and checked by a
 * test).
 *
 * @module
 */

/** The version of this package. */
export const VERSION = "0.1.0";
