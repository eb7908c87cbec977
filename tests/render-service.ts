/**
 * Renders with changed settings, made in jest's main process for every worker.
 *
 * A test worker runs the program in jest's module sandbox, where a render costs about half as much
 * again as in plain Node (the SDK's serialization and its promise bookkeeping run slower there),
 * and each worker rendered the variants its own specs asked for. global-setup.ts starts this
 * service in jest's main process, which is idle while the workers run: a worker sends what it wants
 * rendered over a Unix socket, the service renders it (one at a time, each variant once per run)
 * and answers with what the program registered. Without global setup (one spec run by hand) the
 * harness renders in the worker itself.
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import type { ServiceSpec } from "../catalog";
import type { RecordedResource } from "../tools/render/engine";

/** Environment variable naming the service's socket; workers inherit it from the main process. */
export const RENDER_SERVICE_ENV = "ECOMMERCE_TEST_RENDER_SERVICE";

export interface RenderRequest {
  readonly stack: string;
  /** Stack-file values to change (`ecommerce:key` -> value); `null` removes the key. */
  readonly overrides?: Record<string, unknown>;
  readonly services?: readonly ServiceSpec[];
  /** Run as `pulumi preview` does. */
  readonly preview?: boolean;
}

type Answer = { readonly resources: readonly RecordedResource[]; readonly reads: readonly string[] } | { readonly error: string };

export type Renderer = (request: RenderRequest) => Promise<{ resources: readonly RecordedResource[]; reads: readonly string[] }>;

/** A stable key for a request: the same variant asked twice is rendered once. */
export function requestKey(request: RenderRequest): string {
  return JSON.stringify([request.stack, request.overrides ?? null, request.services ?? null, request.preview ?? false]);
}

const SERVER = Symbol.for("ecommerce.renderService");
type Holder = { [SERVER]?: net.Server };

/** Starts the service on a socket in `dir` and returns the socket's path. */
export async function startRenderService(dir: string, render: Renderer): Promise<string> {
  const socket = path.join(dir, "render.sock");
  const answers = new Map<string, Promise<string>>();
  let queue: Promise<unknown> = Promise.resolve();
  const answer = (request: RenderRequest): Promise<string> => {
    const key = requestKey(request);
    if (!answers.has(key)) {
      // One render at a time: runs share the process's SDK state.
      const next = queue.then(() =>
        render(request).then(
          (run) => JSON.stringify({ resources: run.resources, reads: run.reads } satisfies Answer),
          (err: unknown) => JSON.stringify({ error: err instanceof Error ? err.message : String(err) } satisfies Answer),
        ),
      );
      queue = next;
      answers.set(key, next);
    }
    return answers.get(key)!;
  };
  const server = net.createServer((conn) => {
    let text = "";
    conn.setEncoding("utf8");
    conn.on("data", (chunk: string) => {
      text += chunk;
      const end = text.indexOf("\n");
      if (end < 0) return;
      answer(JSON.parse(text.slice(0, end))).then((reply) => conn.end(`${reply}\n`));
    });
    conn.on("error", () => conn.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socket, resolve);
  });
  // Workers must not keep the main process alive on their own.
  server.unref();
  (globalThis as Holder)[SERVER] = server;
  return socket;
}

/** Stops the service global setup started, if any. */
export function stopRenderService(): Promise<void> {
  const server = (globalThis as Holder)[SERVER];
  delete (globalThis as Holder)[SERVER];
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

/** Asks the service for a render; undefined when no service runs (the caller renders itself). */
export function requestRender(request: RenderRequest): Promise<{ resources: readonly RecordedResource[]; reads: readonly string[] }> | undefined {
  const socket = process.env[RENDER_SERVICE_ENV];
  if (!socket || !fs.existsSync(socket)) return undefined;
  return new Promise((resolve, reject) => {
    const conn = net.createConnection(socket);
    const chunks: string[] = [];
    conn.setEncoding("utf8");
    conn.on("connect", () => conn.write(`${JSON.stringify(request)}\n`));
    conn.on("data", (chunk: string) => chunks.push(chunk));
    conn.on("error", reject);
    conn.on("end", () => {
      const reply = JSON.parse(chunks.join("")) as Answer;
      if ("error" in reply) reject(new Error(reply.error));
      else resolve(reply);
    });
  });
}
