/**
 * Runs the policies without the Pulumi CLI, the way its analyzer calls them: each resource
 * policy once per resource with its properties and options, each stack policy once with every
 * resource, `getConfig()` returning the policy's entry of the pack configuration. Tests use it
 * on hand-written resources and on the offline render.
 */
import type {
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

/** A resource as a policy sees it. */
export interface ResourceUnderTest {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, any>;
  readonly urn?: string;
  readonly protect?: boolean;
  readonly parent?: string;
}

export interface Violation {
  readonly policy: string;
  readonly message: string;
  /** The resource the violation is about, when there is one. */
  readonly urn?: string;
}

/** Pack configuration as in a `--policy-pack-config` file: policy name -> its properties. */
export type PackConfig = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

class NotApplicable extends Error {}

const urnOf = (r: ResourceUnderTest) => r.urn ?? `urn:pulumi:test::ecommerce::${r.type}::${r.name}`;

function optionsOf(r: ResourceUnderTest): PolicyResourceOptions {
  return {
    protect: r.protect === true,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(r.parent ? { parent: r.parent } : {}),
  };
}

/** What the analyzer hands a policy besides the resource: config, type checks, not-applicable. */
function common(policyName: string, config: PackConfig, type?: string) {
  return {
    stackTags: new Map<string, string>(),
    getConfig: <T extends object>() => {
      const { enforcementLevel: _level, ...properties } = (config[policyName] ?? {}) as Record<string, unknown>;
      return properties as T;
    },
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
    isType: (cls: any) => cls?.__pulumiType === type,
  };
}

async function swallowNotApplicable(run: () => Promise<void> | void): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof NotApplicable)) throw err;
  }
}

export async function validateResource(
  policy: ResourceValidationPolicy,
  resource: ResourceUnderTest,
  config: PackConfig = {},
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const urn = urnOf(resource);
  const report: ReportViolation = (message) => violations.push({ policy: policy.name, message, urn });
  const shared = common(policy.name, config, resource.type);
  const args: ResourceValidationArgs = {
    type: resource.type,
    props: resource.props,
    urn,
    name: resource.name,
    opts: optionsOf(resource),
    ...shared,
    asType: ((cls: any) => (shared.isType(cls) ? resource.props : undefined)) as ResourceValidationArgs["asType"],
  };
  const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
  for (const validate of validations) await swallowNotApplicable(() => validate(args, report));
  return violations;
}

export async function validateStack(
  policy: StackValidationPolicy,
  resources: readonly ResourceUnderTest[],
  config: PackConfig = {},
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const report: ReportViolation = (message, urn) => violations.push({ policy: policy.name, message, ...(urn ? { urn } : {}) });
  const byUrn = new Map<string, PolicyResource>();
  const stackResources = resources.map((r) => {
    const shared = common(policy.name, config, r.type);
    const resource: PolicyResource = {
      type: r.type,
      props: r.props,
      urn: urnOf(r),
      name: r.name,
      opts: optionsOf(r),
      dependencies: [],
      propertyDependencies: {},
      isType: shared.isType,
      asType: ((cls: any) => (shared.isType(cls) ? r.props : undefined)) as PolicyResource["asType"],
    };
    byUrn.set(resource.urn, resource);
    return resource;
  });
  for (const [i, r] of resources.entries()) {
    if (r.parent) stackResources[i].parent = byUrn.get(r.parent);
  }
  const { stackTags, getConfig, notApplicable } = common(policy.name, config);
  await swallowNotApplicable(() =>
    policy.validateStack({ resources: stackResources, stackTags, getConfig, notApplicable }, report),
  );
  return violations;
}

/** Every policy of a pack over a set of resources. */
export async function validatePack(
  pack: readonly (ResourceValidationPolicy | StackValidationPolicy)[],
  resources: readonly ResourceUnderTest[],
  config: PackConfig = {},
): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const policy of pack) {
    if ("validateStack" in policy) {
      violations.push(...(await validateStack(policy, resources, config)));
    } else {
      for (const r of resources) violations.push(...(await validateResource(policy, r, config)));
    }
  }
  return violations;
}

/** A resource of the offline render (`resources.json`), as far as the policies look at it. */
export interface RenderedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly inputs: Record<string, any>;
  readonly protect?: true;
}

/** The offline render's resources as the policies would see them in `pulumi preview`. */
export function fromRender(resources: readonly RenderedResource[]): ResourceUnderTest[] {
  return resources.map((r) => ({
    type: r.type,
    name: r.name,
    props: r.inputs,
    urn: r.urn,
    ...(r.protect ? { protect: true } : {}),
    ...(r.parent ? { parent: r.parent } : {}),
  }));
}
