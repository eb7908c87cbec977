/**
 * The Pulumi SDK (@pulumi/pulumi 3.276.0) reads `new Error().stack` for every promise it wraps (`runtime/debuggable.js`,
 * `debuggablePromise`) and every resource it registers (`resource.js`, `Resource.callsites`), a
 * few thousand times per render, and only parses file:line:column out of it. Under ts-node or
 * jest, `Error.prepareStackTrace` maps every frame through source maps, which made those stacks
 * most of a render's time. `formatSdkStacksPlainly` has V8's own format used for the stacks the
 * SDK takes, and leaves every other stack (an error a user reads) to the installed formatter.
 *
 * `Resource.callsites` lifts `Error.stackTraceLimit` to infinity and the SDK sends every frame to
 * the engine with the registration (`runtime/resource.js`, `marshalStackTrace`); under jest a
 * stack is a hundred frames deep. The mock engine reads neither the frames nor the source
 * position, so an SDK stack keeps its first `SDK_STACK_FRAMES` frames: the resource's own call
 * site, which the SDK takes as its source position, is the sixth (`Resource.stackTrace(4)`).
 * `debuggablePromise` keeps its stack only to print it beside a promise that never settled; there
 * the wrapping call is enough, so its stacks keep `PROMISE_STACK_FRAMES`.
 */
import * as path from "path";

type Formatter = (error: Error, frames: NodeJS.CallSite[]) => unknown;

const SDK_DIR = `${path.sep}@pulumi${path.sep}pulumi${path.sep}`;
const WRAPPED = Symbol.for("ecommerce.sdkStacksPlain");

export const SDK_STACK_FRAMES = 6;
export const PROMISE_STACK_FRAMES = 2;

/** V8's default format: the error's string, then one `at <frame>` line per call site. */
function v8Format(error: Error, frames: readonly NodeJS.CallSite[]): string {
  let text = String(error);
  for (const frame of frames) text += `\n    at ${frame}`;
  return text;
}

/**
 * A stack taken inside the SDK in V8's format, at most `SDK_STACK_FRAMES` deep (`PROMISE_STACK_FRAMES`
 * for `debuggablePromise`'s); any other by `installed`.
 */
export function sdkAwareFormatter(installed: Formatter): Formatter {
  return (error, frames) => {
    const top = frames[0];
    if (!(top?.getFileName() ?? "").includes(SDK_DIR)) return installed(error, frames);
    return v8Format(error, frames.slice(0, top.getFunctionName() === "debuggablePromise" ? PROMISE_STACK_FRAMES : SDK_STACK_FRAMES));
  };
}

/** Wraps the installed `Error.prepareStackTrace` (if any); calling it again is harmless. */
export function formatSdkStacksPlainly(): void {
  const installed = Error.prepareStackTrace as (Formatter & { [WRAPPED]?: true }) | undefined;
  if (installed === undefined || installed[WRAPPED]) return;
  const format: Formatter & { [WRAPPED]?: true } = sdkAwareFormatter(installed);
  format[WRAPPED] = true;
  Error.prepareStackTrace = format;
}
