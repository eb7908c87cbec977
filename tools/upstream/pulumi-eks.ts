/**
 * The input checks that the `eks.Cluster` and `eks.ManagedNodeGroup` components run inside the
 * pulumi-eks provider plugin. Under mocks a remote component accepts any input, so these rules are
 * what stands between the offline render and a `pulumi preview` that fails in the plugin. Each rule
 * is read from pulumi-eks at the tag of the pinned @pulumi/eks (PULUMI_EKS_VERSION; a test checks
 * it against package.json, so a bump means reading the sources again).
 */

/** The @pulumi/eks version these rules were read from (github.com/pulumi/pulumi-eks, tag v4.3.0). */
export const PULUMI_EKS_VERSION = "4.3.0";

type Inputs = Record<string, any>;

export interface ComponentRule {
  /** Short name, used in test titles. */
  readonly name: string;
  /** Where the plugin enforces it: file and function at the tag. */
  readonly source: string;
  /** The plugin's message when the rule is broken, or undefined when it holds. */
  readonly check: (inputs: Inputs, cluster?: Inputs) => string | undefined;
}

const AUTH_MODES = ["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"];
const set = (v: unknown): boolean => v !== undefined && v !== null;
const nonEmpty = (v: unknown): boolean => set(v) && (!Array.isArray(v) || v.length > 0);
/** CONFIG_MAP is the default when no mode is given (authenticationMode.ts, supportsConfigMap). */
const supportsConfigMap = (mode: unknown) => !mode || mode === "CONFIG_MAP" || mode === "API_AND_CONFIG_MAP";
const supportsAccessEntries = (mode: unknown) => mode === "API" || mode === "API_AND_CONFIG_MAP";

const AUTH = "nodejs/eks/cluster/authenticationMode.ts validateAuthenticationMode";
const CORE = "nodejs/eks/cluster/cluster.ts createCore";
const MNG = "nodejs/eks/nodes/nodegroup.ts createManagedNodeGroupInternal";

/** Node options that conflict with `nodeGroupOptions` (cluster.ts createCore). */
const SINGULAR_NODE_OPTIONS = [
  "nodeSubnetIds", "nodeAssociatePublicIpAddress", "instanceType", "instanceProfileName", "nodePublicKey",
  "nodeRootVolumeSize", "nodeUserData", "minSize", "maxSize", "desiredCapacity", "nodeAmiId", "gpu",
];
/** Arguments that make the component build its own launch template (nodegroup.ts customLaunchTemplateArgs). */
const CUSTOM_LAUNCH_TEMPLATE_ARGS = [
  "kubeletExtraArgs", "bootstrapExtraArgs", "bottlerocketSettings", "nodeadmExtraOptions",
  "enableIMDSv2", "userData", "amiId", "enableEfaSupport",
];
const CUSTOM_USER_DATA_ARGS = ["kubeletExtraArgs", "bootstrapExtraArgs", "bottlerocketSettings", "nodeadmExtraOptions"];

export const CLUSTER_RULES: readonly ComponentRule[] = [
  {
    name: "authenticationMode is one the component knows",
    source: AUTH,
    check: (c) =>
      set(c.authenticationMode) && !AUTH_MODES.includes(c.authenticationMode)
        ? `Invalid value for authenticationMode: ${c.authenticationMode}. Allowed values are: ${AUTH_MODES.join(", ")}.`
        : undefined,
  },
  ...["roleMappings", "userMappings", "instanceRoles"].map(
    (prop): ComponentRule => ({
      name: `no ${prop} without the aws-auth ConfigMap`,
      source: AUTH,
      check: (c) =>
        !supportsConfigMap(c.authenticationMode) && nonEmpty(c[prop])
          ? `The '${prop}' property does not support non-empty values when 'authenticationMode' is set to '${c.authenticationMode}'.`
          : undefined,
    }),
  ),
  {
    name: "accessEntries only with an authentication mode that has them",
    source: AUTH,
    check: (c) =>
      set(c.accessEntries) && !supportsAccessEntries(c.authenticationMode)
        ? `The 'accessEntries' property is not supported when 'authenticationMode' is ${set(c.authenticationMode) ? `set to '${c.authenticationMode}'` : "not set"}.`
        : undefined,
  },
  {
    name: "instanceRole and instanceRoles are exclusive",
    source: CORE,
    check: (c) =>
      set(c.instanceRole) && set(c.instanceRoles) ? "instanceRole and instanceRoles are mutually exclusive, and cannot both be set." : undefined,
  },
  {
    name: "subnetIds or public/private subnet ids, not both",
    source: CORE,
    check: (c) =>
      set(c.subnetIds) && (set(c.publicSubnetIds) || set(c.privateSubnetIds))
        ? "subnetIds, and the use of publicSubnetIds and/or privateSubnetIds are mutually exclusive. Choose a single approach."
        : undefined,
  },
  {
    name: "nodeGroupOptions or singular node options, not both",
    source: CORE,
    // The component tests each option for truthiness, so `false` and 0 do not conflict.
    check: (c) =>
      set(c.nodeGroupOptions) && SINGULAR_NODE_OPTIONS.some((k) => Boolean(c[k]))
        ? "Setting nodeGroupOptions, and any set of singular node group option(s) on the cluster, is mutually exclusive. Choose a single approach."
        : undefined,
  },
  {
    name: "EKS Auto Mode needs access entries",
    source: CORE,
    check: (c) =>
      c.autoMode?.enabled && !supportsAccessEntries(c.authenticationMode)
        ? "Access entries are required when using EKS Auto Mode. Use the authentication mode 'API' or 'API_AND_CONFIG_MAP'."
        : undefined,
  },
  {
    name: "publicAccessCidrs only with the public endpoint on",
    source: `${CORE} (vpcConfig.publicAccessCidrs)`,
    check: (c) =>
      set(c.publicAccessCidrs) && (c.endpointPublicAccess ?? true) === false
        ? "`publicAccessCidrs` can only be set when `endpointPublicAccess` is true"
        : undefined,
  },
];

export const MANAGED_NODE_GROUP_RULES: readonly ComponentRule[] = [
  {
    name: "exactly one of nodeRole and nodeRoleArn",
    source: MNG,
    check: (n) =>
      set(n.nodeRole) && set(n.nodeRoleArn)
        ? "You cannot specify both nodeRole and nodeRoleArn when creating a managed node group."
        : !set(n.nodeRole) && !set(n.nodeRoleArn)
          ? "An IAM role, or role ARN must be provided to create a managed node group"
          : undefined,
  },
  ...["gpu", "amiType"].map(
    (key): ComponentRule => ({
      name: `amiId and ${key} are exclusive`,
      source: MNG,
      check: (n) => (set(n.amiId) && set(n[key]) ? `You cannot specify both amiId and ${key} when creating a managed node group.` : undefined),
    }),
  ),
  {
    name: "a custom launch template carries the node options itself",
    source: `${MNG} (customLaunchTemplateArgs)`,
    check: (n) =>
      set(n.launchTemplate) && CUSTOM_LAUNCH_TEMPLATE_ARGS.some((k) => set(n[k]))
        ? `If you provide a custom launch template, you cannot provide any of ${CUSTOM_LAUNCH_TEMPLATE_ARGS.join(", ")}. Please include these in the launch template that you are providing.`
        : undefined,
  },
  {
    name: "userData or the user-data options, not both",
    source: MNG,
    check: (n) =>
      set(n.userData) && CUSTOM_USER_DATA_ARGS.some((k) => set(n[k]))
        ? `If you provide custom userData, you cannot provide any of ${CUSTOM_USER_DATA_ARGS.join(", ")}. Please include these in the userData that you are providing.`
        : undefined,
  },
  {
    name: "EFA needs a placement group zone",
    source: MNG,
    check: (n) =>
      n.enableEfaSupport && !set(n.placementGroupAvailabilityZone)
        ? "You must specify placementGroupAvailabilityZone when enabling EFA support."
        : undefined,
  },
  {
    name: "without access entries the node role must be among the cluster's instanceRoles",
    source: MNG,
    check: (n, c) =>
      c && !supportsAccessEntries(c.authenticationMode) && !(c.instanceRoles ?? []).includes(n.nodeRole)
        ? "A managed node group cannot be created without first setting its role in the cluster's instanceRoles"
        : undefined,
  },
  {
    // Not an error in the plugin, but a silent one: `if (!args.version && !args.launchTemplate)`
    // is the only place the cluster's version is copied, so with a launch template a node group
    // without `version` stays on its first Kubernetes version when the control plane is upgraded.
    name: "with a launch template the node group names the cluster's Kubernetes version",
    source: `${MNG} (version defaults to the cluster's only without a launch template)`,
    check: (n, c) =>
      set(n.launchTemplate) && (!set(n.version) || (c && set(c.version) && n.version !== c.version))
        ? `version must equal the cluster's version (${c?.version}) when a launchTemplate is given; got ${JSON.stringify(n.version)}`
        : undefined,
  },
];

/** Every rule the inputs break, as `<rule>: <message>`. */
export function componentProblems(rules: readonly ComponentRule[], inputs: Inputs, cluster?: Inputs): string[] {
  return rules.flatMap((rule) => {
    const message = rule.check(inputs, cluster);
    return message ? [`${rule.name}: ${message}`] : [];
  });
}
