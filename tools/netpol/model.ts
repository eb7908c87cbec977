/**
 * The platform as the analyzer sees it, read from a render: namespaces, workloads with a few
 * representative pods each, Services and NetworkPolicies, plus what the render does not hold
 * but policies must account for: the pods of Helm charts (chart-workloads.ts) and of the EKS
 * add-ons (components/foundation/kube-system-pods.ts), the Services clients dial
 * (model-services.ts), the nodes, the API server, a pod in a namespace nobody restricts, and
 * addresses outside the pod network.
 */
import type { RecordedResource, Rendered } from "../render/engine";
import { AddonPods, KUBE_SYSTEM_PODS } from "../../components/foundation/kube-system-pods";
import { OUTSIDER, OUTSIDER_ALLOW_ALL, addonWorkloads, externalsOf } from "./model-actors";
import { CHART_WORKLOADS, ChartWorkload, chartWorkloadsOf } from "./chart-workloads";
import { CHART_SERVICES, ChartService } from "./chart-services";
import { PolicyEvaluator } from "./evaluate";
import { modelServices } from "./model-services";
import { cidrRange, intToIp, ipToInt } from "../../lib/ipv4";
import {
  ClusterState,
  ContainerPort,
  Namespace,
  NetworkPolicy,
  Pod,
  Protocol,
  Service,
  compareText,
  namespaceWithAutomaticLabel,
} from "./types";

export { API_SERVER_ID, INTERNET_ID, KUBELET_PORT, KUBE_DNS_ID, NODE_ID, OUTSIDER_ALLOW_ALL, OUTSIDER_NAMESPACE } from "./model-actors";

/** `addon`: the pods of an EKS add-on in kube-system. */
export type WorkloadSource = "render" | "chart" | "addon" | "implicit";

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

/**
 * An endpoint outside the pod network, known by its address. The `node` actor stands for the
 * nodes (the kubelet, host processes): its address is the node a probe needs, the pod's own or
 * another one.
 */
export interface ExternalActor {
  readonly id: string;
  readonly description: string;
  readonly ip: string;
  /** Ports probed when it is the destination. */
  readonly ports: readonly ContainerPort[];
  /** A server that never opens a connection (a resolver, a node-local agent): not probed as a source. */
  readonly answersOnly?: boolean;
}

export interface PlatformModel {
  readonly namespaces: readonly Namespace[];
  readonly workloads: readonly Workload[];
  readonly externals: readonly ExternalActor[];
  readonly services: readonly Service[];
  /** The render's NetworkPolicies. */
  readonly policies: readonly NetworkPolicy[];
  /** Policies the model adds: the outsider's namespace allows everything (policies.ts). */
  readonly implicitPolicies: readonly NetworkPolicy[];
  /** Where pod addresses come from (the VPC's CIDR with the VPC CNI). */
  readonly podCidr: string;
  /** The nodes pods run on, pod `i` of a workload on node `i` modulo their number; none when not modelled. */
  readonly nodeAddresses: readonly string[];
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
  /** The cluster's service range: Services get ClusterIPs from it (the EKS VPC CNI model needs them). */
  readonly serviceCidr?: string;
  /**
   * Addresses of the nodes (outside the pods' block): pods are spread over them, host-network
   * pods take their node's address, and a `node` actor is added. Without them pods have no node.
   */
  readonly nodeAddresses?: readonly string[];
  /** More actors outside the pod network (the VPC's resolver, the Pod Identity agent). */
  readonly externals?: readonly ExternalActor[];
  /** @default KUBE_SYSTEM_PODS: CoreDNS always, the others when their add-on is in the render */
  readonly addonPods?: readonly AddonPods[];
  /** @default CHART_SERVICES */
  readonly chartServices?: readonly ChartService[];
}

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"];

/** The pod spec and template metadata of a workload object, whatever its kind. */
function podTemplate(obj: Record<string, any>): { labels: Record<string, string>; spec: Record<string, any> } {
  if (obj.kind === "Pod") return { labels: obj.metadata?.labels ?? {}, spec: obj.spec ?? {} };
  const template = obj.kind === "CronJob" ? obj.spec?.jobTemplate?.spec?.template : obj.spec?.template;
  return { labels: template?.metadata?.labels ?? {}, spec: template?.spec ?? {} };
}

export function asRecord(value: unknown): Record<string, string> {
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

/** A workload before it gets its pods. */
export interface WorkloadDraft extends Omit<Workload, "pods" | "id"> {}

/**
 * A workload's name in the matrix: its object's, but for a Job carrying `app.kubernetes.io/name`,
 * whose name may change with its content (the Vault bootstrap's `vault-bootstrap-<digest>`,
 * components/secrets/bootstrap/job.ts): the flows of the same Job keep one name across runs.
 */
export function workloadName(r: RecordedResource, podLabels: Readonly<Record<string, string>>): string {
  const name = String(r.inputs.metadata?.name ?? r.name);
  const label = podLabels["app.kubernetes.io/name"];
  return r.inputs.kind === "Job" && label && name.startsWith(`${label}-`) ? label : name;
}

function renderedWorkloads(objs: readonly RecordedResource[]): WorkloadDraft[] {
  return objs
    .filter((r) => WORKLOAD_KINDS.includes(r.inputs.kind))
    .map((r) => {
      const { labels, spec } = podTemplate(r.inputs);
      return {
        namespace: String(r.inputs.metadata?.namespace ?? "default"),
        name: workloadName(r, asRecord(labels)),
        kind: r.inputs.kind,
        source: "render" as const,
        labels: asRecord(labels),
        ports: containerPorts(spec),
        hostNetwork: spec.hostNetwork === true,
      };
    });
}

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

/** Gives every workload its pods: addresses from `allocate`, spread over the nodes. */
function podsOf(d: WorkloadDraft, perWorkload: number, nodes: readonly string[], allocate: () => string): Pod[] {
  return Array.from({ length: perWorkload }, (_, i) => {
    const nodeIp = nodes.length > 0 ? nodes[i % nodes.length] : undefined;
    return {
      namespace: d.namespace,
      name: `${d.name}-${i}`,
      labels: d.kind === "StatefulSet" ? { ...d.labels, "statefulset.kubernetes.io/pod-name": `${d.name}-${i}` } : d.labels,
      // A host-network pod has its node's address.
      ip: d.hostNetwork && nodeIp ? nodeIp : allocate(),
      ports: d.ports,
      ...(d.hostNetwork ? { hostNetwork: true } : {}),
      ...(nodeIp ? { nodeIp } : {}),
    };
  });
}

function namespacesOf(objs: readonly RecordedResource[], used: readonly string[]): Namespace[] {
  const declared = new Map<string, Namespace>();
  for (const r of objs.filter((o) => o.inputs.kind === "Namespace")) {
    const name = String(r.inputs.metadata?.name ?? r.name);
    declared.set(name, namespaceWithAutomaticLabel(name, asRecord(r.inputs.metadata?.labels)));
  }
  // Namespaces the render uses without declaring (kube-system, the outsider's) carry only the automatic label.
  for (const ns of used) if (!declared.has(ns)) declared.set(ns, namespaceWithAutomaticLabel(ns));
  return [...declared.values()].sort((a, b) => compareText(a.name, b.name));
}

export function modelFromRender(rendered: Rendered, options: ModelOptions = {}): PlatformModel {
  const objs = rendered.k8sObjects();
  const podCidr = options.podCidr ?? vpcCidrOf(rendered) ?? "10.0.0.0/16";
  const internetAddress = options.internetAddress ?? "203.0.113.10";
  const perWorkload = options.podsPerWorkload ?? 2;
  const nodes = options.nodeAddresses ?? [];

  const charted: WorkloadDraft[] = chartWorkloadsOf(rendered, options.chartWorkloads ?? CHART_WORKLOADS).map((c) => ({
    namespace: c.namespace,
    name: c.name,
    kind: c.row.kind,
    source: "chart",
    labels: c.labels,
    ports: [...c.row.ports],
    hostNetwork: c.row.hostNetwork === true,
  }));
  const addons = addonWorkloads(rendered, options.addonPods ?? KUBE_SYSTEM_PODS);
  const drafts = [...renderedWorkloads(objs), ...charted, ...addons, OUTSIDER].sort(
    (a, b) => compareText(a.namespace, b.namespace) || compareText(a.name, b.name),
  );
  const ids = drafts.map((d) => `${d.namespace}/${d.name}`);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new Error(`two workloads are named ${dup}; chart rows must not repeat rendered workloads`);

  const reserved = [internetAddress, ...nodes, ...(options.apiServer ? [options.apiServer.address] : []), ...(options.externals ?? []).map((x) => x.ip)];
  const allocate = addressAllocator(podCidr, reserved);
  const workloads: Workload[] = drafts.map((d) => ({ ...d, id: `${d.namespace}/${d.name}`, pods: podsOf(d, perWorkload, nodes, allocate) }));

  const services = modelServices(rendered, {
    serviceCidr: options.serviceCidr,
    apiServerAddresses: options.apiServer ? [options.apiServer.address] : [],
    apiServerPort: options.apiServer?.port ?? 443,
    chartServices: options.chartServices ?? CHART_SERVICES,
  });
  const policies: NetworkPolicy[] = objs
    .filter((r) => r.inputs.kind === "NetworkPolicy")
    .map((r) => ({
      namespace: String(r.inputs.metadata?.namespace ?? "default"),
      name: String(r.inputs.metadata?.name ?? r.name),
      spec: r.inputs.spec ?? { podSelector: {} },
    }));
  const namespaces = namespacesOf(objs, [...workloads, ...services, ...policies].map((x) => x.namespace));
  const externals = externalsOf(options, internetAddress, nodes);
  return { namespaces, workloads, externals, services, policies, implicitPolicies: [OUTSIDER_ALLOW_ALL], podCidr, nodeAddresses: nodes };
}

export function modelPods(model: PlatformModel): Pod[] {
  return model.workloads.flatMap((w) => w.pods);
}

/** Every policy the model's cluster holds: the render's and the implicit ones. */
export function allPolicies(model: PlatformModel): NetworkPolicy[] {
  return [...model.policies, ...model.implicitPolicies];
}

export function evaluatorOf(model: PlatformModel): PolicyEvaluator {
  return new PolicyEvaluator(model.namespaces, allPolicies(model));
}

/** The model as the connection evaluators of both semantics read it. */
export function clusterStateOf(model: PlatformModel): ClusterState {
  return { namespaces: model.namespaces, policies: allPolicies(model), pods: modelPods(model), services: model.services };
}
