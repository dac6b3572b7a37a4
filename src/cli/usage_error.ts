/**
 * The CLI's own error for a wrong command line (exit code 2).
 *
 * @module
 */

import { AipModelError } from "../errors.ts";

/** The command line was wrong: an unknown flag, a missing argument, an unreadable env file. */
export class UsageError extends AipModelError {}
