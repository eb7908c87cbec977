import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../lib/pod-security";
import { ResourceUnderTest, validateResource } from "../../policy/evaluate";
import { judgedWorkload, kubernetesKind } from "../../policy/kubernetes";
import {
  imagePinProblem,
  imagesPinned,
  podSecurityRestricted,
  resourcesSet,
  statefulSetDataProtected,
} from "../../policy/workloads";

const messages = async (...args: Parameters<typeof validateResource>) =>
  (await validateResource(...args)).map((v) => v.message);

function container(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "app",
    image: "registry.example.com/shop/auth-service:1.4.2",
    securityContext: restrictedContainerSecurityContext(),
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    ...overrides,
  };
}

function podSpec(overrides: Record<string, unknown> = {}, containerOverrides: Record<string, unknown> = {}) {
  return { securityContext: restrictedPodSecurityContext(), containers: [container(containerOverrides)], ...overrides };
}

function deployment(
  namespace: string,
  overrides: Record<string, unknown> = {},
  containerOverrides: Record<string, unknown> = {},
): ResourceUnderTest {
  return {
    type: "kubernetes:apps/v1:Deployment",
    name: "auth-service",
    props: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "auth-service", namespace },
      spec: { template: { spec: podSpec(overrides, containerOverrides) } },
    },
  };
}

describe("reading Kubernetes resources", () => {
  test.each([
    ["kubernetes:apps/v1:Deployment", "Deployment"],
    ["kubernetes:core/v1:Pod", "Pod"],
    ["kubernetes:networking.k8s.io/v1:Ingress", "Ingress"],
    ["kubernetes:apps/v1:DeploymentPatch", undefined],
    ["kubernetes:core/v1:PodList", undefined],
    ["kubernetes:helm.sh/v4:Chart", "Chart"],
    ["aws:eks/cluster:Cluster", undefined],
  ])("%s is kind %s", (type, kind) => {
    expect(kubernetesKind(type)).toBe(kind);
  });

  test.each([
    ["kubernetes:core/v1:Pod", (s: object) => ({ spec: s })],
    ["kubernetes:apps/v1:StatefulSet", (s: object) => ({ spec: { template: { spec: s } } })],
    ["kubernetes:apps/v1:DaemonSet", (s: object) => ({ spec: { template: { spec: s } } })],
    ["kubernetes:batch/v1:Job", (s: object) => ({ spec: { template: { spec: s } } })],
    ["kubernetes:batch/v1:CronJob", (s: object) => ({ spec: { jobTemplate: { spec: { template: { spec: s } } } } })],
  ])("finds the pod spec of a %s", (type, wrap) => {
    const spec = podSpec();
    const w = judgedWorkload(type, { metadata: { name: "x", namespace: "e-commerce" }, ...wrap(spec) }, "x");
    expect(w?.podSpec).toBe(spec);
    expect(w?.ref).toBe("e-commerce/x");
  });
});

describe("pod-security-restricted", () => {
  test("a pod built from the shared restricted contexts passes", async () => {
    expect(await messages(podSecurityRestricted, deployment("e-commerce"))).toEqual([]);
  });

  test("a privileged container is rejected, naming the workload and the container", async () => {
    const bad = deployment("e-commerce", {}, { securityContext: { ...restrictedContainerSecurityContext(), privileged: true } });
    expect(await messages(podSecurityRestricted, bad)).toEqual([
      "Deployment 'e-commerce/auth-service' fails Pod Security 'restricted': container 'app' is privileged",
    ]);
  });

  test("host namespaces and a root user are rejected, one message each", async () => {
    const bad = deployment("e-commerce-messaging", { hostNetwork: true, securityContext: { seccompProfile: { type: "RuntimeDefault" } } }, {
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsUser: 0 },
    });
    expect(await messages(podSecurityRestricted, bad)).toEqual([
      "Deployment 'e-commerce-messaging/auth-service' fails Pod Security 'restricted': pod uses host namespaces",
      "Deployment 'e-commerce-messaging/auth-service' fails Pod Security 'restricted': container 'app' may run as root",
      "Deployment 'e-commerce-messaging/auth-service' fails Pod Security 'restricted': container 'app' runs as UID 0",
    ]);
  });

  test("chart pods outside the application and data namespaces are left to their charts", async () => {
    const privileged = { securityContext: { privileged: true } };
    expect(await messages(podSecurityRestricted, deployment("monitoring", { hostPID: true }, privileged))).toEqual([]);
    expect(await messages(podSecurityRestricted, deployment("traefik", {}, privileged))).toEqual([]);
  });
});

describe("images-pinned", () => {
  test.each([
    ["mysql:8.4.5", undefined],
    ["docker.io/library/redis:7.4.2-alpine", undefined],
    ["localhost:5000/shop/app:2.0.0", undefined],
    [`minio/minio@sha256:${"a".repeat(64)}`, undefined],
    [`rabbitmq:4.1@sha256:${"b".repeat(64)}`, undefined],
    ["mysql", "image 'mysql' has no tag: pin a version or a digest"],
    ["localhost:5000/shop/app", "image 'localhost:5000/shop/app' has no tag: pin a version or a digest"],
    ["mysql:", "image 'mysql:' has no tag: pin a version or a digest"],
    ["mysql:latest", "image 'mysql:latest' uses the moving tag 'latest': pin a version or a digest"],
    [undefined, "names no image"],
  ])("%s -> %s", (image, problem) => {
    expect(imagePinProblem(image)).toBe(problem);
  });

  test("a versioned image passes", async () => {
    expect(await messages(imagesPinned, deployment("e-commerce"))).toEqual([]);
  });

  test("latest and untagged images are rejected, init containers included", async () => {
    const bad = deployment("e-commerce", { initContainers: [container({ name: "migrate", image: "flyway/flyway" })] }, { image: "shop/auth:latest" });
    expect(await messages(imagesPinned, bad)).toEqual([
      "Deployment 'e-commerce/auth-service': container 'migrate' image 'flyway/flyway' has no tag: pin a version or a digest",
      "Deployment 'e-commerce/auth-service': container 'app' image 'shop/auth:latest' uses the moving tag 'latest': pin a version or a digest",
    ]);
  });

  test("only the application and data namespaces are judged", async () => {
    expect(await messages(imagesPinned, deployment("cert-manager", {}, { image: "x:latest" }))).toEqual([]);
  });
});

describe("resources-set", () => {
  test("requests and a memory limit pass", async () => {
    expect(await messages(resourcesSet, deployment("e-commerce"))).toEqual([]);
  });

  test("a container without resources is rejected with every missing field", async () => {
    expect(await messages(resourcesSet, deployment("e-commerce", {}, { resources: undefined }))).toEqual([
      "Deployment 'e-commerce/auth-service': container 'app' sets no resources.requests.cpu, resources.requests.memory, resources.limits.memory",
    ]);
  });

  test("a CPU limit does not stand in for the memory limit", async () => {
    const bad = deployment("e-commerce-messaging", {}, { resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2" } } });
    expect(await messages(resourcesSet, bad)).toEqual([
      "Deployment 'e-commerce-messaging/auth-service': container 'app' sets no resources.limits.memory",
    ]);
  });

  test("init containers need them too", async () => {
    const bad = deployment("e-commerce", { initContainers: [container({ name: "init-perms", resources: { limits: { memory: "64Mi" } } })] });
    expect(await messages(resourcesSet, bad)).toEqual([
      "Deployment 'e-commerce/auth-service': container 'init-perms' sets no resources.requests.cpu, resources.requests.memory",
    ]);
  });
});

describe("statefulset-data-protected", () => {
  const statefulSet = (protect: boolean, spec: Record<string, unknown>): ResourceUnderTest => ({
    type: "kubernetes:apps/v1:StatefulSet",
    name: "orders-service-mysql",
    protect,
    props: { kind: "StatefulSet", metadata: { name: "orders-service-mysql", namespace: "e-commerce" }, spec },
  });
  const withClaims = { volumeClaimTemplates: [{ metadata: { name: "data" } }], template: { spec: podSpec() } };
  const unprotected =
    "StatefulSet 'e-commerce/orders-service-mysql' keeps data on persistent volumes (data) but is not protected: " +
    "set the 'protect' resource option, as this stack protects its data";

  test("an unprotected StatefulSet with a claim template is rejected in a stack that protects data", async () => {
    expect(await messages(statefulSetDataProtected, statefulSet(false, withClaims), { [statefulSetDataProtected.name]: { protectData: true } })).toEqual([unprotected]);
  });

  test("without configuration the policy takes the safe side", async () => {
    expect(await messages(statefulSetDataProtected, statefulSet(false, withClaims))).toEqual([unprotected]);
    expect((statefulSetDataProtected.configSchema!.properties.protectData as { default: unknown }).default).toBe(true);
  });

  test("a protected StatefulSet passes", async () => {
    expect(await messages(statefulSetDataProtected, statefulSet(true, withClaims))).toEqual([]);
  });

  test("a stack that does not protect its data may leave it unprotected", async () => {
    const config = { [statefulSetDataProtected.name]: { protectData: false, enforcementLevel: "mandatory" } };
    expect(await messages(statefulSetDataProtected, statefulSet(false, withClaims), config)).toEqual([]);
  });

  test("mounted claims count as data; a StatefulSet without volumes is not judged", async () => {
    const mounted = { template: { spec: podSpec({ volumes: [{ name: "v", persistentVolumeClaim: { claimName: "minio-data" } }] }) } };
    expect(await messages(statefulSetDataProtected, statefulSet(false, mounted))).toEqual([
      unprotected.replace("(data)", "(minio-data)"),
    ]);
    expect(await messages(statefulSetDataProtected, statefulSet(false, { template: { spec: podSpec() } }))).toEqual([]);
  });
});
