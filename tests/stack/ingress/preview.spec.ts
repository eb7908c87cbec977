/**
 * A preview after an update must be able to say "no changes": the program has to register and read
 * the same resources whether the engine previews or updates. Reading the NLB's Service by id only
 * outside previews made every preview plan a read step the update would then discard.
 */
import { PROJECT_DIR, STACKS, StackName, previewRun, stackRun } from "../../harness";
import { loadStackConfig } from "../../../lib/stack-files";

const withLoadBalancer = STACKS.filter(
  (stack) => loadStackConfig(PROJECT_DIR, stack).config["ecommerce:ingressServiceType"] === "LoadBalancer",
);

/** What a run registered (with its inputs) and read, in an order that does not depend on timing. */
function steps(run: { resources: readonly { urn: string; inputs: unknown }[]; reads: readonly string[] }) {
  // Sorted: registration order follows the resolution of outputs, which varies between runs.
  return { registered: run.resources.map((r) => `${r.urn} ${JSON.stringify(r.inputs)}`).sort(), reads: [...run.reads].sort() };
}

async function previewSteps(stack: StackName) {
  return steps(await previewRun(stack));
}

test("some stack runs behind a load balancer, so the rule below is exercised", () => {
  expect(withLoadBalancer.length).toBeGreaterThan(0);
});

describe.each(withLoadBalancer)("%s behind an NLB", (stack) => {
  test("preview and update register the same resources with the same inputs, and read none by id", async () => {
    // The update is the run's own render of the stack (the render service, tests/render-service.ts); the preview runs here.
    const { rendered, reads } = await stackRun(stack);
    const update = steps({ resources: rendered.resources, reads });
    const preview = await previewSteps(stack);
    expect(update.reads).toEqual([]);
    expect(preview).toEqual(update);
  });
});
