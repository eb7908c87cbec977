/**
 * The platform as the analyzer sees it, read from a render: namespaces, workloads with a few
 * representative pods each, Services and NetworkPolicies, plus what the render does not hold
 * but policies must account for: the pods of Helm charts (chart-workloads.ts), kube-dns, the
 * API server, a pod in a namespace nobody labelled, and an address on the internet.
 */
import type { RecordedResource, Rendered } from "../render/engine";
import { CHART_WORKLOADS, ChartWorkload, chartWorkloadsOf } from "./chart-workloads";
import { PolicyEvaluator } from "./evaluate";
import { cidrRange, intToIp, ipToInt } from "../../lib/ipv4";
import {
  ContainerPort,
  Namespace,
  NetworkPolicy,
  Pod,
  Protocol,
  Service,
  compareText,
  namespaceWithAutomaticLabel,
} from "./types";

export type WorkloadSource = "render" | "chart" | "implicit";

export interface Workload {
  /** `namespace/name`: the key of the matrix's rows and columns. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly kind: string;
  readonly source: WorkloadSource;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly ContainerPort[];
  readonly hostNetwork: boolean;
  readonly pods: readonly Pod[];
}

/** An endpoint outside the pod network, known by its address. */
export interface ExternalActor {
  readonly id: string;
  readonly description: string;
  readonly ip: string;
  /** Ports probed when it is the destination. */
  readonly ports: readonly ContainerPort[];
}

export interface PlatformModel {
  readonly namespaces: readonly Namespace[];
  readonly workloads: readonly Workload[];
  readonly externals: readonly ExternalActor[];
  readonly services: readonly Service[];
  readonly policies: readonly NetworkPolicy[];
  /** Where pod addresses come from (the VPC's CIDR with the VPC CNI). */
  readonly podCidr: string;
}

export interface ModelOptions {
  /** The API server's endpoint address (and port, default 443); without it there is no API-server actor. */
  readonly apiServer?: { readonly address: string; readonly port?: number };
  /** @default the CIDR of the render's one VPC, else 10.0.0.0/16 */
  readonly podCidr?: string;
  /** @default "203.0.113.10" (a documentation address, outside every private range) */
  readonly internetAddress?: string;
  /** @default CHART_WORKLOADS */
  readonly chartWorkloads?: readonly ChartWorkload[];
  /** Pods per workload: two, so that traffic between replicas of one workload is probed too. @default 2 */
  readonly podsPerWorkload?: number;
}

export const INTERNET_ID = "internet";
export const API_SERVER_ID = "kube-apiserver";
export const OUTSIDER_NAMESPACE = "outsider";
export const KUBE_DNS_ID = "kube-system/kube-dns";

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"];

/** The pod spec and template metadata of a workload object, whatever its kind. */
function podTemplate(obj: Record<string, any>): { labels: Record<string, string>; spec: Record<string, any> } {
  if (obj.kind === "Pod") return { labels: obj.metadata?.labels ?? {}, spec: obj.spec ?? {} };
  const template = obj.kind === "CronJob" ? obj.spec?.jobTemplate?.spec?.template : obj.spec?.template;
  return { labels: template?.metadata?.labels ?? {}, spec: template?.spec ?? {} };
}

function asRecord(value: unknown): Record<string, string> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, string>) : {};
}

/** Container ports of the pod's containers and of its native sidecars (restartable init containers). */
export function containerPorts(spec: Record<string, any>): ContainerPort[] {
  const containers = [
    ...(spec.containers ?? []),
    ...(spec.initContainers ?? []).filter((c: any) => c.restartPolicy === "Always"),
  ];
  const ports: ContainerPort[] = containers.flatMap((c: any) =>
    (Array.isArray(c.ports) ? c.ports : []).map((p: any) => ({
      ...(p.name ? { name: String(p.name) } : {}),
      containerPort: Number(p.containerPort),
      protocol: (p.protocol ?? "TCP") as Protocol,
    })),
  );
  return ports.sort((a, b) => a.containerPort - b.containerPort || compareText(a.protocol, b.protocol));
}

interface WorkloadDraft extends Omit<Workload, "pods" | "id"> {}

function renderedWorkloads(objs: readonly RecordedResource[]): WorkloadDraft[] {
  return objs
    .filter((r) => WORKLOAD_KINDS.includes(r.inputs.kind))
    .map((r) => {
      const { labels, spec } = podTemplate(r.inputs);
      return {
        namespace: String(r.inputs.metadata?.namespace ?? "default"),
        name: String(r.inputs.metadata?.name ?? r.name),
        kind: r.inputs.kind,
        source: "render" as const,
        labels: asRecord(labels),
        ports: containerPorts(spec),
        hostNetwork: spec.hostNetwork === true,
      };
    });
}

const KUBE_DNS: WorkloadDraft = {
  namespace: "kube-system",
  name: "kube-dns",
  kind: "Deployment",
  source: "implicit",
  labels: { "k8s-app": "kube-dns" },
  ports: [
    { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
    { name: "dns", containerPort: 53, protocol: "UDP" },
    { name: "metrics", containerPort: 9153, protocol: "TCP" },
  ],
  hostNetwork: false,
};

const OUTSIDER: WorkloadDraft = {
  namespace: OUTSIDER_NAMESPACE,
  name: "outsider",
  kind: "Pod",
  source: "implicit",
  labels: { app: "outsider" },
  ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
  hostNetwork: false,
};

/** The CIDR of the render's VPC, when it has exactly one. */
export function vpcCidrOf(rendered: Rendered): string | undefined {
  const vpcs = rendered.ofType("aws:ec2/vpc:Vpc").map((r) => r.inputs.cidrBlock).filter((c) => typeof c === "string");
  return vpcs.length === 1 ? vpcs[0] : undefined;
}

/** Gives every pod its own address in `cidr`, skipping reserved ones, in workload order. */
function addressAllocator(cidr: string, reserved: readonly string[]) {
  const range = cidrRange(cidr);
  if (!range) throw new Error(`pod CIDR '${cidr}' is not an IPv4 CIDR`);
  const taken = new Set(reserved.map(ipToInt));
  // Past the first /24, where the VPC and its load balancers keep their own addresses.
  let next = range.first + 256;
  return () => {
    while (taken.has(next)) next++;
    if (next >= range.last) throw new Error(`pod CIDR '${cidr}' is too small for the model's pods`);
    return intToIp(next++);
  };
}

export function modelFromRender(rendered: Rendered, options: ModelOptions = {}): PlatformModel {
  const objs = rendered.k8sObjects();
  const podCidr = options.podCidr ?? vpcCidrOf(rendered) ?? "10.0.0.0/16";
  const internetAddress = options.internetAddress ?? "203.0.113.10";
  const perWorkload = options.podsPerWorkload ?? 2;

  const charted: WorkloadDraft[] = chartWorkloadsOf(rendered, options.chartWorkloads ?? CHART_WORKLOADS).map((c) => ({
    namespace: c.namespace,
    name: c.name,
    kind: c.row.kind,
    source: "chart",
    labels: c.labels,
    ports: [...c.row.ports],
    hostNetwork: c.row.hostNetwork === true,
  }));
  const drafts = [...renderedWorkloads(objs), ...charted, KUBE_DNS, OUTSIDER].sort(
    (a, b) => compareText(a.namespace, b.namespace) || compareText(a.name, b.name),
  );
  const ids = drafts.map((d) => `${d.namespace}/${d.name}`);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new Error(`two workloads are named ${dup}; chart rows must not repeat rendered workloads`);

  const allocate = addressAllocator(podCidr, [internetAddress, ...(options.apiServer ? [options.apiServer.address] : [])]);
  const workloads: Workload[] = drafts.map((d) => ({
    ...d,
    id: `${d.namespace}/${d.name}`,
    pods: Array.from({ length: perWorkload }, (_, i) => ({
      namespace: d.namespace,
      name: `${d.name}-${i}`,
      labels: d.kind === "StatefulSet" ? { ...d.labels, "statefulset.kubernetes.io/pod-name": `${d.name}-${i}` } : d.labels,
      ip: allocate(),
      ports: d.ports,
      ...(d.hostNetwork ? { hostNetwork: true } : {}),
    })),
  }));

  const services: Service[] = objs
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
    }));
  const policies: NetworkPolicy[] = objs
    .filter((r) => r.inputs.kind === "NetworkPolicy")
    .map((r) => ({
      namespace: String(r.inputs.metadata?.namespace ?? "default"),
      name: String(r.inputs.metadata?.name ?? r.name),
      spec: r.inputs.spec ?? { podSelector: {} },
    }));

  const declared = new Map<string, Namespace>();
  for (const r of objs.filter((o) => o.inputs.kind === "Namespace")) {
    const name = String(r.inputs.metadata?.name ?? r.name);
    declared.set(name, namespaceWithAutomaticLabel(name, asRecord(r.inputs.metadata?.labels)));
  }
  // Namespaces the render uses without declaring (kube-system, the outsider's) carry only the automatic label.
  for (const ns of [...workloads, ...services, ...policies].map((x) => x.namespace)) {
    if (!declared.has(ns)) declared.set(ns, namespaceWithAutomaticLabel(ns));
  }
  const namespaces = [...declared.values()].sort((a, b) => compareText(a.name, b.name));

  const externals: ExternalActor[] = [
    {
      id: INTERNET_ID,
      description: "an address on the internet",
      ip: internetAddress,
      ports: [
        { name: "http", containerPort: 80, protocol: "TCP" },
        { name: "https", containerPort: 443, protocol: "TCP" },
      ],
    },
  ];
  if (options.apiServer) {
    externals.push({
      id: API_SERVER_ID,
      description: "the Kubernetes API server's endpoint",
      ip: options.apiServer.address,
      ports: [{ name: "https", containerPort: options.apiServer.port ?? 443, protocol: "TCP" }],
    });
  }
  return { namespaces, workloads, externals, services, policies, podCidr };
}

export function modelPods(model: PlatformModel): Pod[] {
  return model.workloads.flatMap((w) => w.pods);
}

export function evaluatorOf(model: PlatformModel): PolicyEvaluator {
  return new PolicyEvaluator(model.namespaces, model.policies);
}
