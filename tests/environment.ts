/**
 * jest's node environment, with the stacks the Pulumi SDK takes for its own bookkeeping formatted
 * by V8 rather than by jest's source-map formatter (tools/render/stack-traces.ts): a render under
 * jest was three times slower than under Node for that alone. jest-runner installs its formatter
 * before `setup()`, for every test file; it is wrapped here each time.
 */
import { TestEnvironment } from "jest-environment-node";
import { formatSdkStacksPlainly } from "../tools/render/stack-traces";

export default class PulumiStackTraceEnvironment extends TestEnvironment {
  async setup(): Promise<void> {
    await super.setup();
    formatSdkStacksPlainly();
  }
}
