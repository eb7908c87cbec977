import { STACKS, stackRender, stackSetting } from "../../harness";

const names = ["traefik", "cert-manager", "e-commerce", "e-commerce-messaging", "monitoring"];

describe.each(STACKS)("namespaces of %s", (stack) => {
  test("the five platform namespaces exist with fixed names, and with Vault the operator's", async () => {
    const r = await stackRender(stack);
    const backend = stackSetting(stack, "secretsBackend") === "vault" ? ["external-secrets"] : [];
    expect(r.kind("Namespace").map((n) => n.inputs.metadata.name).sort()).toEqual([...names, ...backend].sort());
  });

  test.each(names)("%s carries its name label", async (name) => {
    const ns = (await stackRender(stack)).find("Namespace", name);
    expect(ns.metadata.labels.name).toBe(name);
  });

  test.each(["traefik", "cert-manager", "e-commerce", "e-commerce-messaging"])(
    "%s enforces, audits and warns Pod Security restricted",
    async (name) => {
      const labels = (await stackRender(stack)).find("Namespace", name).metadata.labels;
      for (const mode of ["enforce", "audit", "warn"]) {
        expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
      }
    },
  );

  test("monitoring is privileged only because node-exporter needs the host", async () => {
    const labels = (await stackRender(stack)).find("Namespace", "monitoring").metadata.labels;
    for (const mode of ["enforce", "audit", "warn"]) {
      expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe("privileged");
    }
  });
});
