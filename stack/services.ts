// deno-lint-ignore-file no-console
/**
 * The stack's HTTP services in one process: the ClearML-compatible API server, the
 * user-management API and the Hugging Face Hub stand-in, each on its own 127.0.0.1 port. `scripts/stack.ts up` runs this file
 * detached (`deno run -A stack/services.ts`); ports come from the `STACK_*_PORT` variables.
 * It logs one line per request to stdout and stops on SIGTERM or SIGINT.
 *
 * @module
 */

import { createClearMLServer } from "./clearml/server.ts";
import {
  CLEARML_TOKEN_SECRET,
  CLEARML_USER,
  HF_PAGE_SIZE,
  HF_TOKEN,
  HF_TOKEN_NO_ACCESS,
  resolvePorts,
  type StackPorts,
} from "./config.ts";
import { createHubHandler } from "./hf/handler.ts";
import { stackRepos } from "./hf/repos.ts";
import { type Handler, type ServedHandler, serveHandler } from "./serve.ts";
import { createUserManagementHandler } from "./usermgmt/handler.ts";
import { stackUsers } from "./usermgmt/users.ts";

/** The running services. */
export interface RunningServices {
  /** The ClearML-compatible API server. */
  clearml: ServedHandler;
  /** The user-management API. */
  usermgmt: ServedHandler;
  /** The Hugging Face Hub stand-in. */
  hf: ServedHandler;
  /** Stops all three. */
  close(): Promise<void>;
}

/** Serves the stack's ClearML server, user-management API and Hub stand-in on their ports. */
export async function startServices(
  ports: Pick<StackPorts, "clearml" | "usermgmt" | "hf">,
  log: (line: string) => void = () => {},
): Promise<RunningServices> {
  const clearml = createClearMLServer({
    users: [{ ...CLEARML_USER }],
    tokenSecret: CLEARML_TOKEN_SECRET,
  });
  const usermgmt = createUserManagementHandler({ users: stackUsers() });
  const hub = createHubHandler({
    repos: stackRepos(),
    tokens: [HF_TOKEN, HF_TOKEN_NO_ACCESS],
    grantedTokens: [HF_TOKEN],
    pageSize: HF_PAGE_SIZE,
  });
  const served: ServedHandler[] = [];
  try {
    for (
      const [name, handler, port] of [
        ["clearml", clearml.handler, ports.clearml],
        ["usermgmt", usermgmt, ports.usermgmt],
        ["hf", hub, ports.hf],
      ] as [string, Handler, number][]
    ) {
      served.push(await serveHandler(logged(name, handler, log), { port }));
    }
  } catch (error) {
    await Promise.all(served.map((server) => server.close()));
    throw error;
  }
  const [servedClearml, servedUsermgmt, servedHub] = served as [
    ServedHandler,
    ServedHandler,
    ServedHandler,
  ];
  return {
    clearml: servedClearml,
    usermgmt: servedUsermgmt,
    hf: servedHub,
    close: async () => {
      await Promise.all(served.map((server) => server.close()));
    },
  };
}

function logged(name: string, handler: Handler, log: (line: string) => void): Handler {
  return async (request) => {
    const started = performance.now();
    const path = new URL(request.url).pathname;
    try {
      const response = await handler(request);
      log(`${name} ${request.method} ${path} ${response.status} ${elapsed(started)}`);
      return response;
    } catch (error) {
      log(`${name} ${request.method} ${path} threw ${error} ${elapsed(started)}`);
      throw error;
    }
  };
}

function elapsed(started: number): string {
  return `${(performance.now() - started).toFixed(1)}ms`;
}

async function main(): Promise<void> {
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  const services = await startServices(resolvePorts(), log);
  log(
    `serving ClearML on ${services.clearml.url}, user management on ${services.usermgmt.url},` +
      ` the Hugging Face Hub stand-in on ${services.hf.url} (pid ${process.pid})`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    services.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

const isMain = (import.meta as { main?: boolean }).main ??
  /[/\\]services\.ts$/.test(process.argv[1] ?? "");
if (isMain) {
  main().catch((error) => {
    console.error(`services failed to start: ${error?.stack ?? error}`);
    process.exit(1);
  });
}
