/**
 * The Pulumi SDK (@pulumi/pulumi 3.276.0) reads `new Error().stack` for every promise it wraps (`runtime/debuggable.js`,
 * `debuggablePromise`) and every resource it registers (`resource.js`, `Resource.callsites`), a
 * few thousand times per render, and only parses file:line:column out of it. Under ts-node or
 * jest, `Error.prepareStackTrace` maps every frame through source maps, which made those stacks
 * most of a render's time. `formatSdkStacksPlainly` has V8's own format used for the stacks the
 * SDK takes, and leaves every other stack (an error a user reads) to the installed formatter.
 */
import * as path from "path";

type Formatter = (error: Error, frames: NodeJS.CallSite[]) => unknown;

const SDK_DIR = `${path.sep}@pulumi${path.sep}pulumi${path.sep}`;
const WRAPPED = Symbol.for("ecommerce.sdkStacksPlain");

/** V8's default format: the error's string, then one `at <frame>` line per call site. */
function v8Format(error: Error, frames: NodeJS.CallSite[]): string {
  let text = String(error);
  for (const frame of frames) text += `\n    at ${frame}`;
  return text;
}

/** Wraps the installed `Error.prepareStackTrace` (if any); calling it again is harmless. */
export function formatSdkStacksPlainly(): void {
  const installed = Error.prepareStackTrace as (Formatter & { [WRAPPED]?: true }) | undefined;
  if (installed === undefined || installed[WRAPPED]) return;
  const format: Formatter & { [WRAPPED]?: true } = (error, frames) =>
    (frames[0]?.getFileName() ?? "").includes(SDK_DIR) ? v8Format(error, frames) : installed(error, frames);
  format[WRAPPED] = true;
  Error.prepareStackTrace = format;
}
