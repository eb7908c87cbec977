/**
 * Orderings a cold `pulumi up` must keep, checked on the deploy graph: whatever is done to
 * shorten the critical path, these dependencies stay. Each check names what it examined and every
 * pair that is not ordered.
 */
import { chartCrdGroups } from "../../components/charts";
import { AWS_LOAD_BALANCER_CONTROLLER } from "../../components/foundation/aws-load-balancer-controller/chart";
import { METRICS_SERVER } from "../../components/foundation/metrics-server/chart";
import { NLB_LOAD_BALANCER_CLASS } from "../../lib/load-balancer";
import { EXTERNAL_SECRETS_API_GROUP } from "../../components/secrets/external-secrets/chart";
import { DeployGraph, shortUrn, waitsTransitively } from "./graph";
import { durationOf } from "./kinds";

/** What the checks read of a rendered resource (a subset of `RecordedResource`). */
export interface OrderResource {
  readonly urn: string;
  readonly type: string;
  readonly inputs: Record<string, any>;
}

export interface OrderingCheck {
  readonly rule: string;
  /** Why the order matters. */
  readonly why: string;
  /** Pairs examined. */
  readonly checked: number;
  /** `<resource> does not wait for <resource>`, one per pair out of order. */
  readonly violations: string[];
}

/** API groups whose CRDs a pinned chart installs (its module's `crdGroups`): its custom resources wait for the chart. */
export const CHART_CRD_GROUPS: Readonly<Record<string, string>> = chartCrdGroups();

/** CSI provisioners an EKS add-on installs: the claims of a class wait for that add-on. */
export const CSI_ADDONS: Readonly<Record<string, string>> = { "ebs.csi.aws.com": "aws-ebs-csi-driver" };

const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

const HELM_TYPES = new Set(["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Release"]);

function isObject(r: OrderResource): boolean {
  return r.type.startsWith("kubernetes:") && typeof r.inputs.kind === "string" && !!r.inputs.apiVersion;
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
}

/** Chart name without repository or OCI prefix (`oci://r/traefik` -> `traefik`). */
function chartName(r: OrderResource): string {
  return String(r.inputs.chart ?? "").split("/").pop() ?? "";
}

/** The pod spec of a workload object, or undefined if it runs no pods. */
export function podSpecOf(obj: Record<string, any>): Record<string, any> | undefined {
  if (obj.kind === "Pod") return obj.spec;
  if (obj.kind === "CronJob") return obj.spec?.jobTemplate?.spec?.template?.spec;
  if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"].includes(obj.kind)) return obj.spec?.template?.spec;
  return undefined;
}

/** Names of the Secrets a pod spec needs: env, envFrom, volumes (plain and projected), image pulls. */
export function secretsUsedBy(spec: Record<string, any>): string[] {
  const names = new Set<string>();
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) names.add(e.valueFrom.secretKeyRef.name);
    for (const e of c.envFrom ?? []) if (e.secretRef?.name) names.add(e.secretRef.name);
  }
  for (const v of spec.volumes ?? []) {
    if (v.secret?.secretName) names.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) if (s.secret?.name) names.add(s.secret.name);
  }
  for (const p of spec.imagePullSecrets ?? []) if (p.name) names.add(p.name);
  return [...names].sort();
}

function isExternalSecret(r: OrderResource): boolean {
  return r.inputs.kind === "ExternalSecret" && groupOf(String(r.inputs.apiVersion)) === EXTERNAL_SECRETS_API_GROUP;
}

/**
 * The Secret an object makes: a Secret itself, or an ExternalSecret's target (`spec.target.name`,
 * else the ExternalSecret's own name: external-secrets helm-chart-2.9.0
 * `apis/externalsecrets/v1/externalsecret_types.go` 238-246). The provider
 * awaits an ExternalSecret until Ready (`pulumi.com/waitFor`), i.e. until its Secret is written.
 */
function producedSecret(r: OrderResource): string | undefined {
  return isExternalSecret(r) ? (r.inputs.spec?.target?.name ?? r.inputs.metadata?.name) : r.inputs.metadata?.name;
}

/** Checks each (first, then) pair; `then` must wait for `first` in the graph. */
function check(rule: string, why: string, pairs: [string, string][], graph: DeployGraph): OrderingCheck {
  const violations = pairs
    .filter(([first, then]) => !waitsTransitively(then, first, graph.waitsFor))
    .map(([first, then]) => `${shortUrn(then)} does not wait for ${shortUrn(first)}`);
  return { rule, why, checked: pairs.length, violations };
}

export function orderingChecks(resources: readonly OrderResource[], graph: DeployGraph): OrderingCheck[] {
  const nodes = new Set(graph.nodes);
  const all = resources.filter((r) => nodes.has(r.urn));
  const objects = all.filter(isObject);
  const nodeProviders = all.filter((r) => durationOf(r).providesNodes);
  const kindOf = (r: OrderResource) => durationOf(r).kind;
  const checks: OrderingCheck[] = [];

  const corednsPairs: [string, string][] = [];
  const coredns = all.filter((r) => r.type === "aws:eks/addon:Addon" && r.inputs.addonName === "coredns");
  for (const addon of coredns) for (const ng of nodeProviders) corednsPairs.push([ng.urn, addon.urn]);
  const nodeCheck = check(
    "node groups before CoreDNS",
    "CoreDNS pods need nodes: created earlier, the add-on stays DEGRADED until its create times out",
    corednsPairs,
    graph,
  );
  if (coredns.length > 0 && nodeProviders.length === 0) {
    nodeCheck.violations.push("CoreDNS is created but no node group is");
  }
  checks.push(nodeCheck);

  const clusters = all.filter((r) => ["eks-cluster", "eks-control-plane"].includes(kindOf(r)));
  const k8sProviders = all.filter((r) => r.type === "pulumi:providers:kubernetes");
  checks.push(
    check(
      "cluster before the Kubernetes provider",
      "the provider is configured from the cluster's kubeconfig; before the cluster exists there is no API server",
      k8sProviders.flatMap((p) => clusters.map((c): [string, string] => [c.urn, p.urn])),
      graph,
    ),
  );

  const namespaces = new Map(
    objects.filter((r) => r.inputs.kind === "Namespace").map((r) => [r.inputs.metadata?.name as string, r.urn]),
  );
  const nsPairs: [string, string][] = [];
  for (const r of all) {
    const ns = isObject(r) ? r.inputs.metadata?.namespace : HELM_TYPES.has(r.type) ? r.inputs.namespace : undefined;
    if (typeof ns === "string" && namespaces.has(ns)) nsPairs.push([namespaces.get(ns)!, r.urn]);
  }
  checks.push(
    check(
      "namespaces before the objects in them",
      "the API server rejects an object whose namespace does not exist",
      nsPairs,
      graph,
    ),
  );

  const crds = new Map<string, string>();
  for (const r of objects.filter((o) => o.inputs.kind === "CustomResourceDefinition")) {
    crds.set(`${r.inputs.spec?.group}/${r.inputs.spec?.names?.kind}`, r.urn);
  }
  const charts = all.filter((r) => HELM_TYPES.has(r.type));
  const crdPairs: [string, string][] = [];
  for (const r of objects) {
    const group = groupOf(String(r.inputs.apiVersion));
    const crd = crds.get(`${group}/${r.inputs.kind}`);
    if (crd) crdPairs.push([crd, r.urn]);
    const chart = CHART_CRD_GROUPS[group];
    for (const c of charts.filter((ch) => chart && chartName(ch) === chart)) crdPairs.push([c.urn, r.urn]);
  }
  checks.push(
    check(
      "CRDs before custom resources",
      "the API server knows a custom resource's kind only once its CRD is established",
      crdPairs,
      graph,
    ),
  );

  const secrets = new Map(
    objects
      .filter((r) => r.inputs.kind === "Secret" || isExternalSecret(r))
      .map((r) => [`${r.inputs.metadata?.namespace}/${producedSecret(r)}`, r.urn]),
  );
  const secretPairs: [string, string][] = [];
  for (const r of objects) {
    const spec = podSpecOf(r.inputs);
    if (!spec) continue;
    for (const name of secretsUsedBy(spec)) {
      const secret = secrets.get(`${r.inputs.metadata?.namespace}/${name}`);
      if (secret) secretPairs.push([secret, r.urn]);
    }
  }
  checks.push(
    check(
      "Secrets before the workloads that use them",
      "a pod whose Secret is missing does not start (CreateContainerConfigError, or a volume that cannot mount); a Secret an ExternalSecret makes exists once the ExternalSecret is Ready",
      secretPairs,
      graph,
    ),
  );
  checks.push(storageCheck(all, objects, graph));
  checks.push(metricsCheck(objects, charts, graph));
  checks.push(loadBalancerCheck(objects, charts, graph));
  checks.push(podIdentityCheck(all, charts, graph));
  checks.push(routingCheck(all, nodeProviders, graph));
  return checks;
}

/**
 * A chart whose pods get AWS credentials from EKS Pod Identity waits for the association: EKS's
 * admission webhook adds the credentials' environment and token volume to a pod when it is
 * created, from the associations that exist then (cert-manager's route53.md, "EKS Pod Identity":
 * pods started before must be restarted). The charts here name their service account after the
 * release (`fullname`), so an association's chart is the release of that name in its namespace.
 */
function podIdentityCheck(all: readonly OrderResource[], charts: readonly OrderResource[], graph: DeployGraph): OrderingCheck {
  const associations = all.filter((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation");
  const pairs: [string, string][] = [];
  for (const a of associations) {
    for (const c of charts.filter((ch) => ch.inputs.namespace === a.inputs.namespace && ch.inputs.name === a.inputs.serviceAccount)) pairs.push([a.urn, c.urn]);
  }
  return check(
    "Pod Identity associations before the charts whose pods use them",
    "EKS injects a pod's Pod Identity credentials when the pod is created: pods started before their association run without credentials until restarted",
    pairs,
    graph,
  );
}

/**
 * Every HorizontalPodAutoscaler waits for the chart serving the metrics API: the chart is ready
 * once its Deployment is available and its APIService Available (the chart's values ask the
 * provider to await it), so an autoscaler never starts blind.
 */
function metricsCheck(objects: readonly OrderResource[], charts: readonly OrderResource[], graph: DeployGraph): OrderingCheck {
  const servers = charts.filter((c) => chartName(c) === METRICS_SERVER.pin.chart);
  const autoscalers = objects.filter((r) => r.inputs.kind === "HorizontalPodAutoscaler");
  const result = check(
    "metrics-server before the HorizontalPodAutoscalers",
    "an autoscaler created before the metrics API answers reports FailedGetResourceMetric and holds its minimum",
    autoscalers.flatMap((hpa) => servers.map((c): [string, string] => [c.urn, hpa.urn])),
    graph,
  );
  if (autoscalers.length > 0 && servers.length === 0) result.violations.push("HorizontalPodAutoscalers are created but no chart serves the metrics API");
  return result;
}

/** Whether a chart's values (at any depth) ask for a Service of the controller's class. */
function namesNlbClass(values: unknown): boolean {
  if (Array.isArray(values)) return values.some(namesNlbClass);
  if (values === null || typeof values !== "object") return false;
  return Object.entries(values).some(([k, v]) => (k === "loadBalancerClass" && v === NLB_LOAD_BALANCER_CLASS) || namesNlbClass(v));
}

/**
 * A Service of the controller's class, and the chart making one (Traefik's), wait for the AWS Load
 * Balancer Controller's chart: the controller owns the Service's NLB, and its pod webhook, which
 * gives the new pods of a labelled namespace their readiness gates, lets pods in without them
 * while it is down (`failurePolicy: Ignore`, aws-load-balancer-controller v3.5.0
 * `helm/aws-load-balancer-controller/values.yaml` 512-514, `templates/webhook.yaml` 14-58).
 */
function loadBalancerCheck(objects: readonly OrderResource[], charts: readonly OrderResource[], graph: DeployGraph): OrderingCheck {
  const controllers = charts.filter((c) => chartName(c) === AWS_LOAD_BALANCER_CONTROLLER.pin.chart);
  const services = objects.filter((r) => r.inputs.kind === "Service" && r.inputs.spec?.loadBalancerClass === NLB_LOAD_BALANCER_CLASS);
  // The controller's own values name the class it serves.
  const owners = [...services, ...charts.filter((c) => !controllers.includes(c) && namesNlbClass(c.inputs.values))];
  const result = check(
    "the AWS Load Balancer Controller before the NLB's Service and pods",
    "created earlier, the pods come up without their readiness gates (the webhook fails open) and the Service waits for an owner",
    owners.flatMap((o) => controllers.map((c): [string, string] => [c.urn, o.urn])),
    graph,
  );
  if (owners.length > 0 && controllers.length === 0) result.violations.push(`Services of class ${NLB_LOAD_BALANCER_CLASS} are created but no AWS Load Balancer Controller is`);
  return result;
}

/** Claims of a StatefulSet wait for their StorageClass (named or default) and its CSI add-on. */
function storageCheck(all: readonly OrderResource[], objects: readonly OrderResource[], graph: DeployGraph): OrderingCheck {
  const classes = objects.filter((r) => r.inputs.kind === "StorageClass");
  const byName = new Map(classes.map((c) => [c.inputs.metadata?.name as string, c]));
  const defaultClass = classes.find((c) => c.inputs.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true");
  const addons = all.filter((r) => r.type === "aws:eks/addon:Addon");
  const pairs: [string, string][] = [];
  for (const sts of objects.filter((r) => r.inputs.kind === "StatefulSet")) {
    for (const claim of sts.inputs.spec?.volumeClaimTemplates ?? []) {
      const cls = claim.spec?.storageClassName ? byName.get(claim.spec.storageClassName) : defaultClass;
      if (!cls) continue;
      pairs.push([cls.urn, sts.urn]);
      const addon = CSI_ADDONS[cls.inputs.provisioner];
      for (const a of addons.filter((x) => addon && x.inputs.addonName === addon)) pairs.push([a.urn, sts.urn]);
    }
  }
  return check(
    "StorageClass and its driver before StatefulSets with claims",
    "a claim of a missing class, or one no driver provisions, stays Pending and its pod unscheduled",
    [...new Map(pairs.map((p) => [p.join(" "), p])).values()],
    graph,
  );
}

/**
 * A node group waits for the egress of its subnets: the route table associations of the subnets
 * it uses, their route tables and the NAT gateways these route to.
 */
function routingCheck(all: readonly OrderResource[], nodeProviders: readonly OrderResource[], graph: DeployGraph): OrderingCheck {
  const typeOf = new Map(all.map((r) => [r.urn, r.type]));
  const direct = (urn: string, type: string) => (graph.waitsFor.get(urn) ?? []).filter((u) => typeOf.get(u) === type);
  const associations = all.filter((r) => r.type === "aws:ec2/routeTableAssociation:RouteTableAssociation");
  const pairs: [string, string][] = [];
  for (const ng of nodeProviders) {
    const subnets = new Set(direct(ng.urn, "aws:ec2/subnet:Subnet"));
    for (const assoc of associations.filter((a) => direct(a.urn, "aws:ec2/subnet:Subnet").some((s) => subnets.has(s)))) {
      pairs.push([assoc.urn, ng.urn]);
      for (const table of direct(assoc.urn, "aws:ec2/routeTable:RouteTable")) {
        pairs.push([table, ng.urn]);
        for (const nat of direct(table, "aws:ec2/natGateway:NatGateway")) pairs.push([nat, ng.urn]);
      }
    }
  }
  return check(
    "subnet routing before node groups",
    "nodes pull images and call AWS through their subnets' NAT routes: booted before them, they fail to join",
    pairs,
    graph,
  );
}
