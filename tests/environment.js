/**
 * jest's node environment, with one change: the stack traces the Pulumi SDK takes for its own
 * bookkeeping are formatted by V8 directly instead of through jest's source-map formatter.
 *
 * The SDK reads `new Error().stack` for every promise it wraps (`runtime/debuggable.js`,
 * `debuggablePromise`) and every resource it registers (`resource.js`, `Resource.callsites`), a
 * few thousand times per render. jest installs a process-wide `Error.prepareStackTrace` that maps
 * each frame through the transformed files' source maps, which made a render three times slower
 * under jest than under plain Node. The SDK only parses those strings for file:line:column
 * (source positions the offline render does not record), so V8's own format serves it; every
 * other stack, a failing test's included, still goes through jest's formatter.
 */
const { TestEnvironment } = require("jest-environment-node");

const SDK_DIR = `${require("path").sep}@pulumi${require("path").sep}pulumi${require("path").sep}`;

/** V8's default format: the error's string, then one `at <frame>` line per call site. */
function v8Format(error, frames) {
  let text = String(error);
  for (const frame of frames) text += `\n    at ${frame}`;
  return text;
}

class PulumiStackTraceEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    // jest-runner installs its formatter before calling setup(); wrap whichever is current.
    const jestFormat = Error.prepareStackTrace;
    if (jestFormat === undefined || jestFormat.pulumiAware) return;
    const format = (error, frames) =>
      (frames[0]?.getFileName() ?? "").includes(SDK_DIR) ? v8Format(error, frames) : jestFormat(error, frames);
    format.pulumiAware = true;
    Error.prepareStackTrace = format;
  }
}

module.exports = PulumiStackTraceEnvironment;
