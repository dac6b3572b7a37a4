/**
 * Ids and datetimes in ClearML's formats.
 *
 * @module
 */

/** A new id as the server makes them: `uuid4().hex`, 32 lowercase hex characters. */
export function newId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/**
 * Formats epoch milliseconds as the server's JSON encoder does:
 * `2025-01-02T03:04:05.678000+00:00`, the fraction left out when it is zero.
 */
export function formatDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  const seconds = iso.slice(0, 19);
  const millis = iso.slice(20, 23);
  return millis === "000" ? `${seconds}+00:00` : `${seconds}.${millis}000+00:00`;
}

/** Keeps millisecond precision only, as MongoDB stores datetimes. */
export function truncateToMillis(ms: number): number {
  return Math.floor(ms);
}

/**
 * Parses a datetime given in a filter (dateutil-like, for the ISO forms clients send).
 * A value without an offset is UTC, as the server treats naive datetimes.
 * Returns `undefined` when the text is not a datetime.
 */
export function parseDate(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  let text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) {
    text = text.replace(" ", "T") + "Z";
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
