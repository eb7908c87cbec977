import { STACKS, stackRender, stackSetting } from "../../harness";

const always = ["traefik", "cert-manager", "e-commerce", "e-commerce-messaging", "monitoring"];
/** `vault` and `external-secrets` exist only where Vault is used (staging and prod). */
const namesOf = (stack: (typeof STACKS)[number]) => [...always, ...(stackSetting(stack, "secretsBackend") === "vault" ? ["vault", "external-secrets"] : [])];
const names = always;

describe.each(STACKS)("namespaces of %s", (stack) => {
  test("the five platform namespaces exist with fixed names, and with Vault vault and the operator's", async () => {
    const r = await stackRender(stack);
    expect(r.kind("Namespace").map((n) => n.inputs.metadata.name).sort()).toEqual([...namesOf(stack)].sort());
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

  test("vault, where Vault is used, enforces, audits and warns Pod Security restricted", async () => {
    if (!namesOf(stack).includes("vault")) return;
    const labels = (await stackRender(stack)).find("Namespace", "vault").metadata.labels;
    for (const mode of ["enforce", "audit", "warn"]) expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
  });

  test("monitoring is privileged only because node-exporter needs the host", async () => {
    const labels = (await stackRender(stack)).find("Namespace", "monitoring").metadata.labels;
    for (const mode of ["enforce", "audit", "warn"]) {
      expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe("privileged");
    }
  });
});
