/**
 * The server's in-memory state: users, projects, models and scroll positions, plus the clock.
 * Maps keep insertion order, which stands in for MongoDB's natural order.
 *
 * @module
 */

import { formatDate } from "./time.ts";
import type { Doc, Identity, JsonObject } from "./types.ts";

/** A user with one pair of API credentials. */
export interface UserRecord {
  userId: string;
  userName: string;
  companyId: string;
  accessKey: string;
  secretKey: string;
  role: string;
  companyName: string;
}

/** A scroll position of `get_all`, as the server keeps it in Redis for 600 s. */
export interface ScrollState {
  position: number;
  expiresAt: number;
}

/** The datetime fields of each entity kind, stored as epoch milliseconds. */
export const DATE_FIELDS: Record<EntityKind, readonly string[]> = {
  model: ["created", "last_update", "last_change"],
  project: ["created", "last_update"],
};

/** The two kinds of entity this server stores. */
export type EntityKind = "model" | "project";

/** Everything the server knows, shared by the endpoint handlers. */
export class Store {
  /** Registered users. */
  readonly users: UserRecord[] = [];
  /** Projects by id. */
  readonly projects: Map<string, Doc> = new Map();
  /** Models by id. */
  readonly models: Map<string, Doc> = new Map();
  /** Scroll states by scroll id. */
  readonly scrolls: Map<string, ScrollState> = new Map();
  readonly #clock: () => number;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** The current time in whole epoch milliseconds (MongoDB keeps no finer precision). */
  now(): number {
    return Math.floor(this.#clock());
  }

  /** The identity a user's credentials or tokens stand for. */
  static identityOf(user: UserRecord): Identity {
    return {
      user: user.userId,
      company: user.companyId,
      role: user.role,
      user_name: user.userName,
      company_name: user.companyName,
    };
  }

  /** Forgets every project, model and scroll (users stay). */
  clear(): void {
    this.projects.clear();
    this.models.clear();
    this.scrolls.clear();
  }
}

/** True when a document is visible to `company`: its own, or public (company `""`). */
export function visibleTo(doc: Doc, company: string): boolean {
  return doc.company === company || doc.company === "" || doc.company === null;
}

/** Formats the datetime fields of an entity (already projected) for output. */
export function formatDates(doc: JsonObject, kind: EntityKind): JsonObject {
  for (const field of DATE_FIELDS[kind]) {
    const value = doc[field];
    if (typeof value === "number") doc[field] = formatDate(value);
  }
  return doc;
}
