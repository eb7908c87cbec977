/**
 * A preview after an update must be able to say "no changes": the program has to register and read
 * the same resources whether the engine previews or updates. Reading the NLB's Service by id only
 * outside previews made every preview plan a read step the update would then discard.
 */
import { Platform } from "../../../components/platform";
import { loadConfig } from "../../../config";
import { renderStack } from "../../../tools/render/render";
import { PROJECT_DIR, STACKS } from "../../harness";
import { loadStackConfig } from "../../../lib/stack-files";

const withLoadBalancer = STACKS.filter(
  (stack) => loadStackConfig(PROJECT_DIR, stack).config["ecommerce:ingressServiceType"] === "LoadBalancer",
);

async function steps(stack: string, preview: boolean) {
  const { run } = await renderStack({
    projectDir: PROJECT_DIR,
    stack,
    preview,
    program: () => new Platform("ecommerce", { config: loadConfig() }).stackOutputs(),
  });
  // Sorted: registration order follows the resolution of outputs, which varies between runs.
  return { registered: run.resources.map((r) => `${r.urn} ${JSON.stringify(r.inputs)}`).sort(), reads: [...run.reads].sort() };
}

test("some stack runs behind a load balancer, so the rule below is exercised", () => {
  expect(withLoadBalancer.length).toBeGreaterThan(0);
});

describe.each(withLoadBalancer)("%s behind an NLB", (stack) => {
  test("preview and update register the same resources with the same inputs, and read none by id", async () => {
    const update = await steps(stack, false);
    const preview = await steps(stack, true);
    expect(update.reads).toEqual([]);
    expect(preview).toEqual(update);
  });
});
