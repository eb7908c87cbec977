/**
 * Runs a Pulumi program under Pulumi's mock engine and records every resource registration as
 * `pulumi up` would send it: type, name, URN, parent, dependencies, inputs (secrets masked),
 * protect, retainOnDelete and ignoreChanges. Used by the offline render and by the tests.
 */
import * as pulumi from "@pulumi/pulumi";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { MockContext, mockCall, mockResourceState } from "./mocks";
import { RegisterRequest, addLiveResource, interceptRequests, mockUrn, withLocalStorage } from "./sdk-internals";

/** Masked value of a secret in the render. */
export const SECRET_MASK = "[secret]";

export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly dependsOn: string[];
  readonly inputs: Record<string, any>;
  readonly protect?: true;
  readonly retainOnDelete?: true;
  /** Input paths the engine keeps at their previous value on an update (the `ignoreChanges` option). */
  readonly ignoreChanges?: string[];
  /** Whether it is a custom (provider-managed) resource rather than a component. */
  readonly custom: boolean;
  /** Provider reference (`urn::id`) of a custom resource, or null for the default provider. */
  readonly provider: string | null;
}

export interface ProgramRun {
  readonly resources: RecordedResource[];
  /** Resources read by id (`X.get(...)`), as `type::name::id`: each is a read step of the engine. */
  readonly reads: string[];
  readonly outputs: Record<string, unknown>;
}

export interface RunOptions {
  readonly project: string;
  readonly stack: string;
  readonly config: Record<string, string>;
  readonly secretKeys?: readonly string[];
  /** Creates the resources; its return value becomes the stack outputs. */
  readonly program: () => unknown;
  /** Run as `pulumi preview` does (`isDryRun()` true). @default false */
  readonly preview?: boolean;
  /** Called for every registration as it happens (also when the program later fails). */
  readonly onRegister?: (resource: RecordedResource) => void;
}

/**
 * Converts the wire form of a property value into plain JSON, masking secrets. Resource
 * references become their URN and, when `refs` is given, are collected there.
 */
export function unwire(value: unknown, refs?: Set<string>): any {
  if (Array.isArray(value)) return value.map((v) => unwire(v, refs));
  if (value === null || typeof value !== "object") {
    return value === rpc.unknownValue ? "[unknown]" : value;
  }
  const obj = value as Record<string, unknown>;
  const sig = obj[rpc.specialSigKey];
  if (sig === rpc.specialSecretSig) return SECRET_MASK;
  if (sig === rpc.specialResourceSig) {
    refs?.add(obj.urn as string);
    return obj.urn;
  }
  if (sig === rpc.specialAssetSig || sig === rpc.specialArchiveSig) {
    return { asset: obj.path ?? obj.uri ?? "[inline]" };
  }
  const out: Record<string, any> = {};
  for (const key of Object.keys(obj)) out[key] = unwire(obj[key], refs);
  return out;
}

/**
 * Runs `program` in its own Pulumi runtime state, so that several runs (stacks, configurations)
 * can happen in one process without sharing config, mocks or the root stack resource.
 */
export function runProgram(opts: RunOptions): Promise<ProgramRun> {
  return withLocalStorage(async () => {
    pulumi.runtime.setAllConfig(opts.config, [...(opts.secretKeys ?? [])]);
    const region = opts.config["aws:region"] ?? "eu-west-1";
    // Objects a chart created, by URN, and the chart they belong to (see MockContext.addLiveResource).
    const urnByTypeAndName = new Map<string, string>();
    const liveOwner = new Map<string, string>();
    const addLive: MockContext["addLiveResource"] = (type, name, id, state, owner) => {
      const urn = addLiveResource(type, name, id, state);
      const ownerUrn = urnByTypeAndName.get(`${owner.type}::${owner.name}`);
      if (ownerUrn) liveOwner.set(urn, ownerUrn);
      return urn;
    };
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => mockResourceState(args, { stack: opts.stack, region, addLiveResource: addLive }),
        call: (args) => mockCall(args, { region }),
      },
      opts.project,
      opts.stack,
      opts.preview ?? false,
    );

    const resources: RecordedResource[] = [];
    const reads: string[] = [];
    const onRegister = (req: RegisterRequest) => {
      const parent: string = req.getParent();
      const urn: string = mockUrn(parent, req.getType(), req.getName());
      // Besides the SDK's own list: resources passed by reference (a remote component under
      // mocks has no children to stand for it) and the explicit provider, which the engine
      // must configure, from the cluster's kubeconfig, before it can create the resource.
      urnByTypeAndName.set(`${req.getType()}::${req.getName()}`, urn);
      const refs = new Set<string>(req.getDependenciesList());
      const inputs = unwire(req.getObject()?.toJavaScript() ?? {}, refs);
      const deps = new Set<string>([...refs].map((d) => liveOwner.get(d) ?? d));
      const provider: string = req.getProvider() || "";
      if (provider) deps.add(provider.split("::").slice(0, -1).join("::"));
      deps.delete(urn);
      const record: RecordedResource = {
        urn,
        type: req.getType(),
        name: req.getName(),
        parent: parent || null,
        dependsOn: [...deps].sort(),
        inputs,
        ...(req.getProtect() ? { protect: true as const } : {}),
        ...(req.getRetainondelete() ? { retainOnDelete: true as const } : {}),
        ...(req.getIgnorechangesList().length > 0 ? { ignoreChanges: [...req.getIgnorechangesList()] } : {}),
        custom: req.getCustom(),
        provider: provider || null,
      };
      resources.push(record);
      opts.onRegister?.(record);
    };
    interceptRequests(onRegister, (req) => reads.push(`${req.getType()}::${req.getName()}::${req.getId()}`));

    // A failing program (bad configuration) must surface as this promise's rejection, not as an
    // unhandled rejection inside the root stack resource, which would kill the process.
    let failure: unknown;
    // The program's own return value keeps its outputs' secretness; the stack's resolved outputs
    // would not, so that is what gets serialized (and masked) below.
    let outputs: Record<string, unknown> = {};
    await pulumi.runtime.runInPulumiStack(async () => {
      try {
        outputs = ((await opts.program()) ?? {}) as Record<string, unknown>;
        return outputs;
      } catch (err) {
        failure = err;
        return {};
      }
    });
    await pulumi.runtime.disconnect();
    if (failure !== undefined) throw failure;
    return { resources, reads, outputs: unwire(await rpc.serializeProperties("outputs", outputs)) };
  });
}

/** Queries over the resources of one run, for tests and analyzers. */
export class Rendered {
  constructor(readonly resources: readonly RecordedResource[]) {}

  /** Kubernetes objects: resources whose inputs carry `apiVersion` and `kind`. */
  k8sObjects(): RecordedResource[] {
    return this.resources.filter((r) => r.custom && typeof r.inputs.kind === "string" && r.inputs.apiVersion);
  }

  /** Kubernetes objects of a kind, optionally in one namespace. */
  kind(kind: string, namespace?: string): RecordedResource[] {
    return this.k8sObjects().filter(
      (r) => r.inputs.kind === kind && (namespace === undefined || r.inputs.metadata?.namespace === namespace),
    );
  }

  /** The inputs of the one Kubernetes object of this kind and name; throws if there is not exactly one. */
  find(kind: string, name: string, namespace?: string): Record<string, any> {
    const hits = this.kind(kind, namespace).filter((r) => r.inputs.metadata?.name === name);
    if (hits.length !== 1) {
      throw new Error(`expected one ${kind} '${name}'${namespace ? ` in ${namespace}` : ""}, found ${hits.length}`);
    }
    return hits[0].inputs;
  }

  /** Resources of a Pulumi type token (e.g. `aws:ec2/subnet:Subnet`). */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one resource of a type (and name, if given); throws if there is not exactly one. */
  one(type: string, name?: string): RecordedResource {
    const hits = this.ofType(type).filter((r) => name === undefined || r.name === name);
    if (hits.length !== 1) throw new Error(`expected one ${type}${name ? ` '${name}'` : ""}, found ${hits.length}`);
    return hits[0];
  }

  byUrn(urn: string): RecordedResource | undefined {
    return this.resources.find((r) => r.urn === urn);
  }

  /** URNs this resource waits for, directly or through its ancestors' and dependencies' chains. */
  dependsOnTransitively(urn: string): Set<string> {
    const seen = new Set<string>();
    const visit = (u: string) => {
      const r = this.byUrn(u);
      if (!r) return;
      for (const d of r.dependsOn) {
        if (!seen.has(d)) {
          seen.add(d);
          visit(d);
        }
      }
    };
    visit(urn);
    return seen;
  }
}
