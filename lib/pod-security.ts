/**
 * Secure defaults for every pod the platform runs itself: what Pod Security `restricted`
 * requires (non-root, no privilege escalation, all capabilities dropped, RuntimeDefault
 * seccomp), plus a read-only root filesystem. Workloads add writable `emptyDir` mounts where
 * their software needs them.
 */
import type * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;

/** Pod-level context. `fsGroup` makes mounted volumes writable by the non-root user. */
export function restrictedPodSecurityContext(opts: { runAsUser?: number; fsGroup?: number } = {}): PodSecurityContext {
  return {
    runAsNonRoot: true,
    ...(opts.runAsUser !== undefined ? { runAsUser: opts.runAsUser, runAsGroup: opts.runAsUser } : {}),
    ...(opts.fsGroup !== undefined ? { fsGroup: opts.fsGroup, fsGroupChangePolicy: "OnRootMismatch" } : {}),
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container-level context. */
export function restrictedContainerSecurityContext(opts: { runAsUser?: number } = {}): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    ...(opts.runAsUser !== undefined ? { runAsUser: opts.runAsUser, runAsGroup: opts.runAsUser } : {}),
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * Checks a rendered pod spec against Pod Security `restricted` (the rules the platform relies
 * on). Returns one sentence per violation, naming the container; empty when compliant.
 */
export function restrictedViolations(podSpec: Record<string, any>): string[] {
  const problems: string[] = [];
  const pod = podSpec.securityContext ?? {};
  if (podSpec.hostNetwork || podSpec.hostPID || podSpec.hostIPC) problems.push("pod uses host namespaces");
  for (const v of podSpec.volumes ?? []) {
    if (v.hostPath) problems.push(`volume '${v.name}' is a hostPath`);
  }
  const containers = [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])];
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const where = `container '${c.name}'`;
    if (sc.privileged) problems.push(`${where} is privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${where} does not set allowPrivilegeEscalation: false`);
    if (sc.runAsNonRoot !== true && pod.runAsNonRoot !== true) problems.push(`${where} may run as root`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`${where} runs as UID 0`);
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes("ALL")) problems.push(`${where} does not drop ALL capabilities`);
    const add: string[] = sc.capabilities?.add ?? [];
    if (add.some((cap) => cap !== "NET_BIND_SERVICE")) problems.push(`${where} adds capabilities ${add.join(",")}`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${where} has no RuntimeDefault seccomp profile`);
    if (c.ports?.some((p: any) => p.hostPort)) problems.push(`${where} uses a hostPort`);
  }
  return problems;
}
