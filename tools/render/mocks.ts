/**
 * What the mock engine answers for each resource and function: the outputs real providers would
 * return, deterministic (derived from names) so that the render is byte-for-byte repeatable.
 */
import type { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime";
import { createHash } from "crypto";
import { resourceReference } from "./sdk-internals";

export const MOCK_ACCOUNT = "123456789012";

export interface MockContext {
  readonly stack: string;
  readonly region: string;
  /**
   * Makes an object that a component creates (and so the mock never sees registered) readable by
   * URN, as the engine can read a chart's children; returns its URN. `owner` is the type and name
   * of the registered resource that created it: a resource that depends on the object (through one
   * of its outputs) is recorded as depending on its owner, as the engine orders it.
   */
  readonly addLiveResource: (type: string, name: string, id: string, state: Record<string, unknown>, owner: { type: string; name: string }) => string;
}


/** A kubeconfig shaped like the one `eks.Cluster` produces (exec plugin, no static token). */
function kubeconfigFor(clusterName: string, endpoint: string) {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": "bW9jay1jYQ==" } }],
    contexts: [{ name: "aws", context: { cluster: clusterName, user: "aws" } }],
    "current-context": "aws",
    users: [
      {
        name: "aws",
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", clusterName, "--output", "json"],
          },
        },
      },
    ],
  };
}

function eksClusterState(args: MockResourceArgs, ctx: MockContext): Record<string, unknown> {
  const name: string = args.inputs.name ?? args.name;
  const endpoint = `https://${name.toUpperCase().replace(/[^A-Z0-9]/g, "")}.gr7.${ctx.region}.eks.amazonaws.com`;
  const oidcIssuer = `oidc.eks.${ctx.region}.amazonaws.com/id/${name.toUpperCase().replace(/[^A-Z0-9]/g, "")}`;
  const kubeconfig = kubeconfigFor(name, endpoint);
  return {
    ...args.inputs,
    kubeconfig,
    kubeconfigJson: JSON.stringify(kubeconfig),
    eksCluster: {
      name,
      arn: `arn:aws:eks:${ctx.region}:${MOCK_ACCOUNT}:cluster/${name}`,
      endpoint,
      version: args.inputs.version,
      identities: [{ oidcs: [{ issuer: `https://${oidcIssuer}` }] }],
      // The security group EKS creates and attaches to managed nodes without a launch template.
      vpcConfig: { clusterSecurityGroupId: `sg-${name}-eks-cluster` },
    },
    oidcIssuer,
    oidcProviderUrl: `https://${oidcIssuer}`,
    oidcProviderArn: `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/${oidcIssuer}`,
    clusterSecurityGroupId: `sg-${name}-cluster`,
    nodeSecurityGroupId: `sg-${name}-node`,
  };
}

/**
 * A Service read back by id (`namespace/name`): a chart's LoadBalancer Service once the in-tree
 * AWS cloud provider has created its NLB, with a host name shaped like the ones AWS assigns.
 */
function liveLoadBalancerService(id: string, ctx: MockContext): Record<string, unknown> {
  const [namespace, name] = id.split("/");
  const digest = createHash("sha256").update(`${ctx.stack}/${id}`).digest("hex");
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: { type: "LoadBalancer" },
    status: { loadBalancer: { ingress: [{ hostname: `a${digest.slice(0, 32)}-${digest.slice(32, 48)}.elb.${ctx.region}.amazonaws.com` }] } },
  };
}

/**
 * A Helm v4 chart lists the objects it created in its `resources` output. Its LoadBalancer Service
 * is the one child a program reads back (for the NLB's address): charts that follow Helm's naming
 * convention name it after the release, in the release's namespace.
 */
function helmChartState(args: MockResourceArgs, ctx: MockContext): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  const service = args.inputs.values?.service;
  if ((service?.spec?.type ?? service?.type) === "LoadBalancer") {
    const id = `${args.inputs.namespace}/${args.inputs.name}`;
    const urn = ctx.addLiveResource("kubernetes:core/v1:Service", `${args.name}:${id}`, id, liveLoadBalancerService(id, ctx), { type: args.type, name: args.name });
    resources.push(resourceReference(urn, id));
  }
  return { ...args.inputs, resources };
}

export function mockResourceState(args: MockResourceArgs, ctx: MockContext): { id: string; state: Record<string, unknown> } {
  const type = args.type;
  if (type === "kubernetes:helm.sh/v4:Chart") {
    return { id: args.name, state: helmChartState(args, ctx) };
  }
  if (type === "eks:index:Cluster") {
    return { id: args.name, state: eksClusterState(args, ctx) };
  }
  if (type === "eks:index:ManagedNodeGroup") {
    const nodeGroupName = args.inputs.nodeGroupName ?? args.name;
    return {
      id: args.name,
      // The component's outputs only: echoing its inputs back would hand the SDK references to
      // the cluster and role components, which it then has to resolve again.
      state: { nodeGroup: { nodeGroupName, arn: `arn:aws:eks:${ctx.region}:${MOCK_ACCOUNT}:nodegroup/${nodeGroupName}` }, placementGroupName: "" },
    };
  }
  if (type.startsWith("random:")) {
    // Deterministic stand-ins; the render masks them as secrets anyway.
    return { id: args.name, state: { ...args.inputs, result: `mock-${args.name}`, hex: "00", b64Std: "AA==" } };
  }
  if (type === "kubernetes:core/v1:Service" && args.id) {
    return { id: args.id, state: liveLoadBalancerService(args.id, ctx) };
  }
  if (type.startsWith("kubernetes:")) {
    const meta = args.inputs.metadata ?? {};
    const id = meta.namespace ? `${meta.namespace}/${meta.name ?? args.name}` : (meta.name ?? args.name);
    return { id, state: { ...args.inputs } };
  }
  if (type === "aws:ec2/launchTemplate:LaunchTemplate") {
    // A new launch template starts at version 1; node groups pin the version they launch from.
    return { id: `lt-${args.name}`, state: { ...args.inputs, arn: `arn:aws:ec2:${ctx.region}:${MOCK_ACCOUNT}:launch-template/lt-${args.name}`, latestVersion: 1, defaultVersion: 1 } };
  }
  if (type === "aws:sqs/queue:Queue") {
    // SQS answers a queue's URL, which the queue policy is attached by.
    const name = args.inputs.name ?? args.name;
    return {
      id: `https://sqs.${ctx.region}.amazonaws.com/${MOCK_ACCOUNT}/${name}`,
      state: { ...args.inputs, name, arn: `arn:aws:sqs:${ctx.region}:${MOCK_ACCOUNT}:${name}`, url: `https://sqs.${ctx.region}.amazonaws.com/${MOCK_ACCOUNT}/${name}` },
    };
  }
  if (type.startsWith("aws:")) {
    const service = type.split(":")[1].split("/")[0];
    const arn = `arn:aws:${service}:${ctx.region}:${MOCK_ACCOUNT}:${args.name}`;
    return {
      id: `${args.name}-id`,
      state: { ...args.inputs, arn, name: args.inputs.name ?? args.name, ...(service === "kms" ? { keyId: args.name } : {}) },
    };
  }
  return { id: `${args.name}-id`, state: { ...args.inputs } };
}

/**
 * The canonical hosted zone of a region's load balancers, which alias records target (AWS General
 * Reference, "Elastic Load Balancing endpoints and quotas"). Only the regions the stacks use are
 * known; another region is refused rather than given a made-up id.
 */
export const LOAD_BALANCER_ZONES: Readonly<Record<string, { application: string; network: string }>> = {
  "eu-west-1": { application: "Z32O12XQLNTSW2", network: "Z2IFOLAFXWLO4F" },
};

/** A public hosted zone's id as Route 53 shapes them (`Z` and upper-case letters and digits), from its name. */
export function mockHostedZoneId(name: string): string {
  return `Z${createHash("sha256").update(name).digest("hex").slice(0, 20).toUpperCase()}`;
}

/** `getZone` by name: a public zone of the account, with the four name servers Route 53 delegates to. */
function hostedZone(inputs: Record<string, any>): Record<string, unknown> {
  const name = String(inputs.name ?? "").replace(/\.$/, "");
  if (!name || inputs.privateZone) throw new Error(`the mock knows public zones by name only (asked ${JSON.stringify(inputs)})`);
  const zoneId = mockHostedZoneId(name);
  const n = parseInt(zoneId.slice(1, 5), 16) % 500;
  return {
    id: zoneId,
    zoneId,
    name,
    arn: `arn:aws:route53:::hostedzone/${zoneId}`,
    privateZone: false,
    comment: "",
    callerReference: `mock-${name}`,
    nameServers: [`ns-${n}.awsdns-${n % 64}.com`, `ns-${n + 512}.awsdns-${n % 64}.net`, `ns-${n + 1024}.awsdns-${n % 64}.org`, `ns-${n + 1536}.awsdns-${n % 64}.co.uk`],
    primaryNameServer: `ns-${n}.awsdns-${n % 64}.com`,
    resourceRecordSetCount: 2,
    tags: {},
    linkedServiceDescription: "",
    linkedServicePrincipal: "",
  };
}

function loadBalancerZone(inputs: Record<string, any>, region: string): Record<string, unknown> {
  const r = inputs.region ?? region;
  const type = inputs.loadBalancerType ?? "application";
  const zones = LOAD_BALANCER_ZONES[r];
  if (!zones || (type !== "application" && type !== "network")) throw new Error(`the mock knows no ${type} load balancer zone in ${r}`);
  return { id: zones[type as "application" | "network"], region: r, loadBalancerType: type };
}

export function mockCall(args: MockCallArgs, ctx: { region: string }): Record<string, unknown> {
  switch (args.token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/mock`, userId: "mock" };
    case "aws:index/getRegion:getRegion":
      return { name: ctx.region, region: ctx.region, id: ctx.region };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com" };
    case "aws:route53/getZone:getZone":
      return hostedZone(args.inputs);
    case "aws:lb/getHostedZoneId:getHostedZoneId":
      return loadBalancerZone(args.inputs, ctx.region);
    case "aws:eks/getAddonVersion:getAddonVersion":
      // Shaped like an EKS add-on version; names what was asked so that tests can see the wiring.
      return { ...args.inputs, version: `v0.0.0-eksbuild.${args.inputs.addonName}-k8s${args.inputs.kubernetesVersion}` };
    default:
      return args.inputs;
  }
}
