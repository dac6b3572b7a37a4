/**
 * The server's errors: codes, subcodes and `result_msg` texts as ClearML builds them
 * (reference §2): `<Default message>[ (<extra>)][: k1=v1, k2=v2]`.
 *
 * @module
 */

/** An error that becomes an error envelope with `result_code`/`result_subcode`/`result_msg`. */
export class ApiError extends Error {
  /** HTTP status and `meta.result_code`. */
  readonly code: number;
  /** `meta.result_subcode`. */
  readonly subcode: number;

  constructor(code: number, subcode: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.subcode = subcode;
  }
}

// The default texts of the server's errors.conf for the codes this server raises.
const DEFAULT_MESSAGES: Record<string, string> = {
  "400/11": "missing required fields",
  "400/12": "validation error",
  "400/14": "fields not defined for object",
  "400/16": "invalid value for fields",
  "400/21": "malformed regular expression",
  "400/101": "invalid task id",
  "400/201": "invalid model id",
  "400/203": "model is ready",
  "400/401": "invalid project id",
  "400/405": "project has associated models",
  "400/407": "invalid project name",
  "400/409": "Project path exceed the maximum allowed depth",
  "400/414": "Cannot create project. Public project with the same name already exists",
  "400/800": "data validation error",
  "400/801": "value combination already exists (unique field already contains this value)",
  "401/10": "unauthorized (bad authentication header type)",
  "401/20": "unauthorized (missing credentials)",
  "401/21": "unauthorized (malformed credentials)",
  "401/22": "unauthorized (invalid credentials)",
  "401/30": "invalid token",
  "403/21": "forbidden (modification not allowed)",
};

/** Optional parts of a server-defined error message. */
export interface ErrorParts {
  /** Text shown in parentheses after the default message. */
  extra?: string;
  /** Replaces the default message (ClearML's `replacement_msg`). */
  replacement?: string;
  /** Shown as `: k=v, ...`, in insertion order. */
  kwargs?: Record<string, unknown>;
}

/** Builds one of the server-defined errors, formatting its message as ClearML does. */
export function apiError(code: number, subcode: number, parts: ErrorParts = {}): ApiError {
  let message = parts.replacement ?? capitalize(DEFAULT_MESSAGES[`${code}/${subcode}`] ?? "");
  if (parts.extra) message += ` (${parts.extra})`;
  const entries = Object.entries(parts.kwargs ?? {});
  if (entries.length > 0) {
    message += ": " + entries.map(([key, value]) => `${key}=${formatKwarg(value)}`).join(", ");
  }
  return new ApiError(code, subcode, message);
}

/** A `400/12` validation error. */
export function validationError(extra?: string, kwargs?: Record<string, unknown>): ApiError {
  return apiError(400, 12, {
    ...(extra === undefined ? {} : { extra }),
    ...(kwargs ? { kwargs } : {}),
  });
}

/** A `400/16` invalid-value error. */
export function fieldsValueError(extra: string, kwargs?: Record<string, unknown>): ApiError {
  return apiError(400, 16, { extra, ...(kwargs ? { kwargs } : {}) });
}

/** A `400/800` error, as the server's translation of a database validation failure. */
export function dataValidationError(field: string, reason: string): ApiError {
  return apiError(400, 800, { kwargs: { [field]: reason } });
}

/** A `400/201` error for a model that is not the caller company's own. */
export function invalidModelId(company: string, id: string): ApiError {
  return apiError(400, 201, { kwargs: { company, id } });
}

// Jinja's `capitalize`: first letter upper, the rest lower.
function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
}

function formatKwarg(value: unknown): string {
  if (Array.isArray(value)) return `(${value.map((item) => pyStr(item)).join(", ")})`;
  if (value !== null && typeof value === "object") {
    return `(${Object.keys(value).join(", ")})`;
  }
  return pyStr(value);
}

/** Python's `str()` of a JSON value, for messages that embed request values. */
export function pyStr(value: unknown): string {
  if (typeof value === "string") return value;
  return pyRepr(value);
}

/** Python's `repr()` of a JSON value. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const escaped = value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
    return quote + (quote === "'" ? escaped.replaceAll("'", "\\'") : escaped) + quote;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([key, item]) => `${pyRepr(key)}: ${pyRepr(item)}`).join(", ")}}`;
  }
  return String(value);
}

/** The name of a JSON value's Python type, for type-error messages. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "string") return "str";
  if (Array.isArray(value)) return "list";
  return "dict";
}
