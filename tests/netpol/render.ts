/** Small synthetic renders for the flow analyzer's tests: records shaped like the mock engine's. */
import type { RecordedResource } from "../../tools/render/engine";
import { Rendered } from "../../tools/render/engine";
import { modelFromRender } from "../../tools/netpol/model";
import { platformAnalysis } from "../../tools/netpol/platform";
import { StackName, stackRender } from "../harness";

/**
 * A committed stack's render with its analysis and flow model, built once per suite: the specs
 * that read it share the model, and so the matrices computed from it.
 */
const analyses = new Map<StackName, ReturnType<typeof analyse>>();
async function analyse(stack: StackName) {
  const r = await stackRender(stack);
  const a = platformAnalysis(r);
  return { r, a, model: modelFromRender(r, a.modelOptions) };
}
export function analysedStack(stack: StackName): ReturnType<typeof analyse> {
  if (!analyses.has(stack)) analyses.set(stack, analyse(stack));
  return analyses.get(stack)!;
}

export function record(type: string, name: string, inputs: Record<string, any>, custom = true): RecordedResource {
  return { urn: `urn:pulumi:test::ecommerce::${type}::${name}`, type, name, parent: null, dependsOn: [], inputs, custom, provider: null };
}

/** A Kubernetes object as the render records it. */
export function k8sObject(apiVersion: string, kind: string, namespace: string | undefined, name: string, rest: Record<string, any> = {}): RecordedResource {
  const metadata = { name, ...(namespace ? { namespace } : {}), ...(rest.metadata ?? {}) };
  return record(`kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`, `${namespace ?? "_"}-${name}`, {
    apiVersion,
    kind,
    ...rest,
    metadata,
  });
}

export type PortSpec = [name: string | undefined, port: number, protocol?: string];

export function workload(
  kind: "Deployment" | "StatefulSet" | "DaemonSet",
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ports: PortSpec[],
  podSpec: Record<string, any> = {},
): RecordedResource {
  const containerPorts = ports.map(([n, p, proto]) => ({ ...(n ? { name: n } : {}), containerPort: p, ...(proto ? { protocol: proto } : {}) }));
  return k8sObject("apps/v1", kind, namespace, name, {
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: "main", image: "x:1", ports: containerPorts }], ...podSpec } },
    },
  });
}

export function namespace(name: string, labels: Record<string, string> = {}): RecordedResource {
  return k8sObject("v1", "Namespace", undefined, name, { metadata: { labels } });
}

export function service(ns: string, name: string, selector: Record<string, string>, ports: { port: number; targetPort?: number | string; name?: string; protocol?: string }[]): RecordedResource {
  return k8sObject("v1", "Service", ns, name, { spec: { selector, ports } });
}

export function policy(ns: string, name: string, spec: Record<string, any>): RecordedResource {
  return k8sObject("networking.k8s.io/v1", "NetworkPolicy", ns, name, { spec });
}

export function chart(name: string, chartRef: string, ns: string, release?: string): RecordedResource {
  return record("kubernetes:helm.sh/v4:Chart", name, { chart: chartRef, namespace: ns, ...(release ? { name: release } : {}) }, false);
}

export function vpc(cidr: string): RecordedResource {
  return record("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: cidr });
}

export function rendered(...records: RecordedResource[]): Rendered {
  return new Rendered(records);
}

/** A two-tier shop: `web` in `app` (8080 http, 9090 metrics) and `db` in `data` (3306 mysql). */
export function shop(...more: RecordedResource[]): Rendered {
  return rendered(
    vpc("10.10.0.0/16"),
    namespace("app", { name: "app" }),
    namespace("data", { name: "data" }),
    workload("Deployment", "app", "web", { app: "web" }, [["http", 8080], ["metrics", 9090]]),
    workload("StatefulSet", "data", "db", { app: "db" }, [["mysql", 3306]]),
    service("app", "web", { app: "web" }, [{ name: "http", port: 8080, targetPort: "http" }]),
    service("data", "db", { app: "db" }, [{ name: "mysql", port: 3306 }]),
    ...more,
  );
}

export const DENY_ALL = { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
export const ALLOW_DNS = {
  podSelector: {},
  policyTypes: ["Egress"],
  egress: [
    {
      to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
      ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }],
    },
  ],
};

/** The shop's one intended flow, `app/web` to `data/db` on 3306, as web's egress or db's ingress rule. */
export function webToDb(side: "egress" | "ingress"): Record<string, any> {
  const [selected, peerNs, peerApp] = side === "egress" ? ["web", "data", "db"] : ["db", "app", "web"];
  const peer = { namespaceSelector: { matchLabels: { name: peerNs } }, podSelector: { matchLabels: { app: peerApp } } };
  return {
    podSelector: { matchLabels: { app: selected } },
    policyTypes: [side === "egress" ? "Egress" : "Ingress"],
    [side]: [{ [side === "egress" ? "to" : "from"]: [peer], ports: [{ port: 3306 }] }],
  };
}

/** The zero-trust shop: deny-all and DNS in both namespaces, and both sides of web -> db written. */
export function zeroTrustShop(): Rendered {
  return shop(
    policy("app", "deny-all-default", DENY_ALL),
    policy("app", "allow-dns", ALLOW_DNS),
    policy("app", "web-to-db", webToDb("egress")),
    policy("data", "deny-all-default", DENY_ALL),
    policy("data", "allow-dns", ALLOW_DNS),
    policy("data", "db-from-web", webToDb("ingress")),
  );
}
