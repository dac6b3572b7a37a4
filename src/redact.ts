/**
 * Keeping secrets out of messages: every text the SDK repeats from a server (an error message,
 * a response body) passes through here with the keys and tokens in use.
 *
 * @module
 */

/**
 * Replaces every occurrence of the given secrets in `text` with `***`. Secrets shorter than 4
 * characters are left alone: masking them would garble ordinary words without protecting much.
 *
 * @example
 * ```ts
 * import { redact } from "./redact.ts";
 * console.assert(redact("token abcd rejected", ["abcd"]) === "token *** rejected");
 * ```
 */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join("***");
  }
  return result;
}

/**
 * A short, single-line, quoted excerpt of a response body for an error message: tags removed,
 * white space squeezed, secrets masked, cut at `limit` characters.
 *
 * @example
 * ```ts
 * import { excerpt } from "./redact.ts";
 * console.assert(excerpt("<h1>Bad   token abcd</h1>", ["abcd"]) === '"Bad token ***"');
 * ```
 */
export function excerpt(text: string, secrets: readonly string[], limit = 200): string {
  const squeezed = redact(text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim(), secrets);
  if (squeezed === "") return "an empty body";
  return JSON.stringify(squeezed.length > limit ? `${squeezed.slice(0, limit)}…` : squeezed);
}
