/**
 * The Services of the platform model: those of the render, those the charts create that clients
 * dial (chart-services.ts), kube-dns and the `kubernetes` Service, each with a ClusterIP from the
 * cluster's service range when it is known (the EKS VPC CNI model judges egress on it).
 */
import type { Rendered } from "../render/engine";
import { KUBE_DNS_SERVICE } from "../../components/foundation/kube-system-pods";
import { kubeDnsServiceIp, kubernetesServiceIp } from "../../components/foundation/service-network";
import { cidrRange, intToIp } from "../../lib/ipv4";
import type { ChartService } from "./chart-services";
import { chartReleases } from "./chart-workloads";
import { Protocol, Service, compareText } from "./types";

export const KUBERNETES_SERVICE = { namespace: "default", name: "kubernetes", port: 443 } as const;

function asRecord(value: unknown): Record<string, string> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, string>) : {};
}

/** A Service of the render, `"None"` for a headless one; others get their address later. */
function renderedServices(rendered: Rendered): Service[] {
  return rendered
    .k8sObjects()
    .filter((r) => r.inputs.kind === "Service")
    .map((r) => ({
      namespace: String(r.inputs.metadata?.namespace ?? "default"),
      name: String(r.inputs.metadata?.name ?? r.name),
      ...(r.inputs.spec?.selector ? { selector: asRecord(r.inputs.spec.selector) } : {}),
      ports: (r.inputs.spec?.ports ?? []).map((p: any) => ({
        ...(p.name ? { name: String(p.name) } : {}),
        port: Number(p.port),
        targetPort: p.targetPort ?? Number(p.port),
        protocol: (p.protocol ?? "TCP") as Protocol,
      })),
      ...(r.inputs.spec?.clusterIP === "None" ? { clusterIP: "None" } : {}),
    }));
}

/** The chart Services of the releases in the render, in each release's namespace. */
function chartServicesOf(rendered: Rendered, table: readonly ChartService[]): Service[] {
  return chartReleases(rendered).flatMap((rel) =>
    table
      .filter((row) => row.chart === rel.chart)
      .map((row) => ({ namespace: rel.namespace, name: row.name, selector: { ...row.selector }, ports: [...row.ports] })),
  );
}

export interface ServiceOptions {
  /** The cluster's service range; without it no Service gets a ClusterIP. */
  readonly serviceCidr?: string;
  /** The API server's endpoint addresses: the `kubernetes` Service forwards to them. */
  readonly apiServerAddresses: readonly string[];
  readonly apiServerPort: number;
  readonly chartServices: readonly ChartService[];
}

/**
 * Every Service of the model, sorted by namespace and name. With a service range, `kubernetes`
 * gets its first address and kube-dns its `.10` (components/foundation/service-network.ts), the
 * others the following addresses from `.100` on, in that order: the addresses EKS gives them
 * are unknown, but policies never name them.
 */
export function modelServices(rendered: Rendered, o: ServiceOptions): Service[] {
  const kubeDns: Service = {
    namespace: "kube-system",
    name: KUBE_DNS_SERVICE.name,
    selector: { ...KUBE_DNS_SERVICE.selector },
    ports: KUBE_DNS_SERVICE.ports.map((p) => ({ ...p })),
  };
  const services: Service[] = [...renderedServices(rendered), ...chartServicesOf(rendered, o.chartServices), kubeDns];
  if (o.apiServerAddresses.length > 0) {
    services.push({
      namespace: KUBERNETES_SERVICE.namespace,
      name: KUBERNETES_SERVICE.name,
      ports: [{ name: "https", port: KUBERNETES_SERVICE.port, targetPort: o.apiServerPort, protocol: "TCP" }],
      endpointAddresses: [...o.apiServerAddresses],
    });
  }
  services.sort((a, b) => compareText(a.namespace, b.namespace) || compareText(a.name, b.name));
  const keys = services.map((s) => `${s.namespace}/${s.name}`);
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup) throw new Error(`two Services are named ${dup}; chart Services must not repeat rendered ones`);
  if (!o.serviceCidr) return services;
  const range = cidrRange(o.serviceCidr);
  if (!range) throw new Error(`service CIDR '${o.serviceCidr}' is not an IPv4 CIDR`);
  let next = range.first + 100;
  return services.map((s) => {
    if (s.clusterIP === "None") return s;
    if (s === kubeDns) return { ...s, clusterIP: kubeDnsServiceIp(o.serviceCidr!) };
    if (s.namespace === KUBERNETES_SERVICE.namespace && s.name === KUBERNETES_SERVICE.name) return { ...s, clusterIP: kubernetesServiceIp(o.serviceCidr!) };
    if (next > range.last) throw new Error(`service CIDR '${o.serviceCidr}' is too small for the model's Services`);
    return { ...s, clusterIP: intToIp(next++) };
  });
}

