/**
 * Policies on what runs in pods: Pod Security `restricted`, pinned images, resource requests and
 * memory limits (all in the application and data namespaces), and protected data StatefulSets.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { restrictedViolations } from "../lib/pod-security";
import { Container, containersOf, judgedWorkload, kubernetesKind, objectRef, Workload } from "./kubernetes";

/**
 * Why an image reference is not pinned, or undefined when it is: a digest pins it; otherwise
 * it needs a tag other than `latest` (the tag is after the last `:` that follows the last `/`,
 * so a registry port is not mistaken for one).
 */
export function imagePinProblem(image: string | undefined): string | undefined {
  if (!image) return "names no image";
  if (/@[a-z0-9]+:[0-9a-f]{32,}$/.test(image)) return undefined;
  const colon = image.indexOf(":", image.lastIndexOf("/") + 1);
  const tag = colon < 0 ? "" : image.slice(colon + 1);
  if (!tag) return `image '${image}' has no tag: pin a version or a digest`;
  if (tag === "latest") return `image '${image}' uses the moving tag 'latest': pin a version or a digest`;
  return undefined;
}

/** Resource fields a container must set, as paths under `resources`. */
export const REQUIRED_RESOURCE_FIELDS = ["requests.cpu", "requests.memory", "limits.memory"] as const;

/** The required resource fields a container leaves unset. */
export function missingResourceFields(c: Container): string[] {
  return REQUIRED_RESOURCE_FIELDS.filter((field) => {
    const [section, key] = field.split(".");
    const value = c.resources?.[section]?.[key];
    return value === undefined || value === null || value === "";
  });
}

/** A mandatory policy over the workloads of the application and data namespaces. */
function workloadPolicy(name: string, description: string, problems: (w: Workload) => string[]): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
      const w = judgedWorkload(args.type, args.props, args.name);
      if (w) problems(w).forEach((problem) => reportViolation(problem));
    },
  };
}

export const podSecurityRestricted = workloadPolicy(
  "pod-security-restricted",
  "Pods in the application and data namespaces pass Pod Security 'restricted'.",
  (w) => restrictedViolations(w.podSpec).map((problem) => `${w.kind} '${w.ref}' fails Pod Security 'restricted': ${problem}`),
);

export const imagesPinned = workloadPolicy(
  "images-pinned",
  "Containers in the application and data namespaces run pinned images (a version tag or a digest, never 'latest').",
  (w) =>
    containersOf(w.podSpec).flatMap((c) => {
      const problem = imagePinProblem(c.image);
      return problem ? [`${w.kind} '${w.ref}': container '${c.name}' ${problem}`] : [];
    }),
);

export const resourcesSet = workloadPolicy(
  "resources-set",
  "Containers in the application and data namespaces request CPU and memory and have a memory limit.",
  (w) =>
    containersOf(w.podSpec).flatMap((c) => {
      const missing = missingResourceFields(c);
      return missing.length > 0
        ? [`${w.kind} '${w.ref}': container '${c.name}' sets no ${missing.map((f) => `resources.${f}`).join(", ")}`]
        : [];
    }),
);

/** Configuration of `statefulset-data-protected`, written per stack by `policy/stack-config.ts`. */
export interface DataProtectionConfig {
  /** The stack protects its data (`ecommerce:protectData`). Absent means yes: the safe side. */
  readonly protectData?: boolean;
}

/** Persistent volumes a StatefulSet keeps data on: its claim templates and claims it mounts. */
export function persistentVolumesOf(props: Record<string, any>): string[] {
  const templates = (props.spec?.volumeClaimTemplates ?? []).map((t: any) => t.metadata?.name ?? "(unnamed)");
  const claims = (props.spec?.template?.spec?.volumes ?? [])
    .filter((v: any) => v.persistentVolumeClaim)
    .map((v: any) => v.persistentVolumeClaim.claimName ?? v.name);
  return [...templates, ...claims];
}

export const statefulSetDataProtected: ResourceValidationPolicy = {
  name: "statefulset-data-protected",
  description: "In stacks that protect their data, StatefulSets with persistent volumes carry the 'protect' option.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      protectData: {
        type: "boolean",
        default: true,
        description: "The stack protects its data (its ecommerce:protectData setting).",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (kubernetesKind(args.type) !== "StatefulSet") return;
    if (args.getConfig<DataProtectionConfig>().protectData === false) return;
    const volumes = persistentVolumesOf(args.props);
    if (volumes.length === 0 || args.opts.protect) return;
    reportViolation(
      `StatefulSet '${objectRef(args.props, args.name)}' keeps data on persistent volumes (${volumes.join(", ")}) ` +
        `but is not protected: set the 'protect' resource option, as this stack protects its data`,
    );
  },
};
