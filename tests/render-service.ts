/**
 * The renders the specs read, made in a process of their own while the workers run.
 *
 * A test worker runs the program in jest's module sandbox, where a render costs about half as much
 * again as in plain Node (the SDK's serialization and its promise bookkeeping run slower there).
 * global-setup.ts starts this service in a plain Node process (render-server.ts) and returns at
 * once: the service renders each committed stack first, then what the workers ask for, one render
 * at a time and each once per run, while the render command's own processes (cli-runs.ts) run
 * beside it. A worker asks over a Unix socket and gets the path of a file holding the answer. Not
 * jest's main process: jest runs a single test file in that process, and two copies of the SDK in
 * one process share its global state. Without global setup (a spec run by hand), the harness
 * renders in the worker itself.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import type { ServiceSpec } from "../catalog";

/** Environment variable naming the folder of the service's sockets; workers inherit it from the main process. */
export const RENDER_SERVICE_ENV = "ECOMMERCE_TEST_RENDER_SERVICE";

/**
 * The service is two processes, so that the renders with changed settings start while the
 * committed stacks are rendered: `stacks` renders those and runs the render command's cases,
 * `variants` renders what the specs ask for with changed settings.
 */
export type ServerRole = "stacks" | "variants";
export const SERVER_ROLES: readonly ServerRole[] = ["stacks", "variants"];

/** The process that does a job. */
export function roleOf(job: Job): ServerRole {
  return job.job === "render" ? "variants" : "stacks";
}

const socketOf = (dir: string, role: ServerRole) => path.join(dir, `${role}.sock`);

/** The program run for a committed stack file, changed or not. */
export interface RenderRequest {
  readonly stack: string;
  /** Stack-file values to change (`ecommerce:key` -> value); `null` removes the key. */
  readonly overrides?: Record<string, unknown>;
  readonly services?: readonly ServiceSpec[];
  /** Run as `pulumi preview` does. */
  readonly preview?: boolean;
}

export type Job =
  | { readonly job: "stack"; readonly stack: string }
  | { readonly job: "cli"; readonly name: string }
  | ({ readonly job: "render" } & RenderRequest);

/** Does a job and writes its answer (any JSON value) to `file`. */
export type JobRunner = (job: Job, file: string) => Promise<void>;

type Reply = { readonly file: string } | { readonly error: string };

/** A stable key for a job: the same job asked twice is done once. */
export function jobKey(job: Job): string {
  if (job.job !== "render") return JSON.stringify(job);
  return JSON.stringify([job.stack, job.overrides ?? null, job.services ?? null, job.preview ?? false]);
}

/** Asks the service to finish every job it took, then to exit. */
const STOP = { job: "stop" } as const;

/**
 * Starts one of the service's processes on its socket in `dir`. `first` are started
 * now, in order; `parallel` jobs run beside the queue (processes of their own), the others one
 * at a time.
 */
export async function startRenderService(
  dir: string,
  role: ServerRole,
  run: JobRunner,
  first: readonly Job[],
  parallel: (job: Job) => boolean,
  stopped: () => void,
): Promise<void> {
  const socket = socketOf(dir, role);
  const replies = new Map<string, Promise<Reply>>();
  let queue: Promise<unknown> = Promise.resolve();
  let count = 0;
  const reply = (job: Job): Promise<Reply> => {
    const key = jobKey(job);
    if (!replies.has(key)) {
      const file = path.join(dir, `${role}-${count++}.json`);
      const work = () =>
        run(job, file).then(
          (): Reply => ({ file }),
          (err: unknown): Reply => ({ error: err instanceof Error ? err.message : String(err) }),
        );
      const done = parallel(job) ? work() : queue.then(work);
      if (!parallel(job)) queue = done;
      replies.set(key, done);
    }
    return replies.get(key)!;
  };
  for (const job of first) void reply(job);
  const stop = async (): Promise<Reply> => {
    // A run of a few specs may not have asked for all of the first jobs: none may write after the
    // teardown removes the folder.
    await Promise.allSettled(replies.values());
    server.close();
    return { file: "" };
  };
  const server = net.createServer((conn) => {
    let text = "";
    conn.setEncoding("utf8");
    conn.on("data", (chunk: string) => {
      text += chunk;
      const end = text.indexOf("\n");
      if (end < 0) return;
      const job = JSON.parse(text.slice(0, end));
      if (job.job === STOP.job) void stop().then((r) => conn.end(`${JSON.stringify(r)}\n`, stopped));
      else void reply(job).then((r) => conn.end(`${JSON.stringify(r)}\n`));
    });
    conn.on("error", () => conn.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socket, resolve);
  });
}

/** The line render-server.ts prints once its socket listens. */
export const READY = "render service listening";

/** Starts the service's processes (render-server.ts) for `dir`, and resolves once both listen. */
export async function launchRenderService(dir: string): Promise<void> {
  await Promise.all(SERVER_ROLES.map((role) => launchServer(dir, role)));
}

function launchServer(dir: string, role: ServerRole): Promise<void> {
  const server = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "render-server.ts"), dir, role], {
    cwd: path.resolve(__dirname, ".."),
    // Its stdin closes when this process ends, however it ends: the server then exits too.
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    server.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith(READY));
      if (!line) return;
      // Nothing of the server may keep jest's process alive once the run is over.
      server.stdout.destroy();
      (server.stdin as unknown as net.Socket).unref();
      server.unref();
      resolve();
    });
    server.on("error", reject);
    server.once("exit", (code) => reject(new Error(`the render service exited (${code}) before listening:\n${out}`)));
  });
}

/** Asks the service to stop once its jobs are done (the teardown); nothing when none runs. */
export async function stopRenderService(): Promise<void> {
  if (!serviceRunning()) return;
  await Promise.all(SERVER_ROLES.map((role) => ask(socketOf(process.env[RENDER_SERVICE_ENV]!, role), STOP).catch(() => undefined)));
}

/** Whether a service runs for this process (a worker of a run with global setup). */
export function serviceRunning(): boolean {
  const dir = process.env[RENDER_SERVICE_ENV];
  return dir !== undefined && SERVER_ROLES.every((role) => fs.existsSync(socketOf(dir, role)));
}

/** Asks the service for a job and reads its answer; rejects with the job's own error. */
export async function requestJob<T>(job: Job): Promise<T> {
  const r = await ask(socketOf(process.env[RENDER_SERVICE_ENV]!, roleOf(job)), job);
  if ("error" in r) throw new Error(r.error);
  return JSON.parse(fs.readFileSync(r.file, "utf8")) as T;
}

function ask(socket: string, message: Job | typeof STOP): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const conn = net.createConnection(socket);
    const chunks: string[] = [];
    conn.setEncoding("utf8");
    conn.on("connect", () => conn.write(`${JSON.stringify(message)}\n`));
    conn.on("data", (chunk: string) => chunks.push(chunk));
    conn.on("error", reject);
    conn.on("end", () => resolve(JSON.parse(chunks.join("")) as Reply));
  });
}
