/**
 * How a client reaches a server, and the connections that path makes: straight to the pods'
 * addresses, through a Service's ClusterIP (a packet the EKS VPC CNI judges on the ClusterIP at
 * the source and on the pod after DNAT), from or to an address outside the pod network, or
 * between a pod and its own node (kubelet probes), which the agent always admits once a policy
 * selects the pod.
 */
import type { Connection, Landing } from "./connection";
import { isHeadless } from "./cni-controller";
import { serviceBackends, serviceTargetPort } from "./evaluate";
import type { ExternalActor, PlatformModel, Workload } from "./model";
import { NODE_ID } from "./model";
import type { Pod, Protocol, Service } from "./types";

export type FlowPath =
  | { readonly via: "pod" }
  | { readonly via: "service"; readonly service: string }
  | { readonly via: "outside" }
  | { readonly via: "node-local" };

export const POD_PATH: FlowPath = { via: "pod" };
export const OUTSIDE_PATH: FlowPath = { via: "outside" };
export const NODE_LOCAL_PATH: FlowPath = { via: "node-local" };
export const servicePath = (namespace: string, name: string): FlowPath => ({ via: "service", service: `${namespace}/${name}` });

/** A stable key: `pod`, `service:<namespace>/<name>`, `outside`, `node-local`. */
export function pathKey(p: FlowPath): string {
  return p.via === "service" ? `service:${p.service}` : p.via;
}

/** For readers: `pod IPs`, `Service ns/name`, `outside the pod network`, `its own node`. */
export function pathLabel(p: FlowPath): string {
  switch (p.via) {
    case "pod":
      return "pod IPs";
    case "service":
      return `Service ${p.service}`;
    case "outside":
      return "outside the pod network";
    case "node-local":
      return "its own node";
  }
}

/** One connection of a path, and which of its landings belong to the flow's destination. */
export interface PathConnection {
  readonly connection: Connection;
  readonly counts: (landing: Landing) => boolean;
}

export interface PathProbe {
  readonly path: FlowPath;
  readonly connections: readonly PathConnection[];
}

export type Party = Workload | ExternalActor;

const isWorkload = (p: Party): p is Workload => "pods" in p;

/** Two pods of which one is on the host network and both on one node: that is node-local traffic. */
function sameHost(a: Pod, b: { readonly ip: string; readonly nodeIp?: string; readonly hostNetwork?: boolean }): boolean {
  return (a.hostNetwork === true || b.hostNetwork === true) && a.nodeIp !== undefined && a.nodeIp === b.nodeIp;
}

/** The Services that forward `port`/`protocol` to a pod of `pods` (none for headless ones), with their Service port. */
function servicesTo(services: readonly Service[], pods: readonly Pod[], port: number, protocol: Protocol): { service: Service; port: number }[] {
  return services.flatMap((service) => {
    if (isHeadless(service)) return [];
    const backends = serviceBackends(service, pods);
    const sp = service.ports.find((p) => (p.protocol ?? "TCP") === protocol && backends.some((pod) => serviceTargetPort(p, pod) === port));
    return sp ? [{ service, port: sp.port }] : [];
  });
}

/** Selector-less Services whose endpoints include `ip` on `port` (the `kubernetes` Service and the API server). */
function servicesToAddress(services: readonly Service[], ip: string, port: number, protocol: Protocol): { service: Service; port: number }[] {
  return services.flatMap((service) => {
    if (isHeadless(service) || Object.keys(service.selector ?? {}).length > 0 || !(service.endpointAddresses ?? []).includes(ip)) return [];
    const sp = service.ports.find((p) => (p.protocol ?? "TCP") === protocol && Number(p.targetPort ?? p.port) === port);
    return sp ? [{ service, port: sp.port }] : [];
  });
}

function otherNode(model: PlatformModel, nodeIp: string | undefined): string | undefined {
  return model.nodeAddresses.find((n) => n !== nodeIp);
}

function podToPod(model: PlatformModel, src: Workload, dst: Workload, port: number, protocol: Protocol): PathProbe[] {
  const direct: PathConnection[] = [];
  for (const s of src.pods) {
    for (const d of dst.pods) {
      if (s === d || sameHost(s, d)) continue;
      direct.push({ connection: { from: { pod: s }, to: { pod: d, port }, protocol }, counts: () => true });
    }
  }
  const viaServices = servicesTo(model.services, dst.pods, port, protocol).map(({ service, port: servicePort }) => ({
    path: { via: "service", service: `${service.namespace}/${service.name}` } as FlowPath,
    connections: src.pods.map((s) => ({
      connection: { from: { pod: s }, to: { service, port: servicePort }, protocol },
      counts: (l: Landing) => l.pod !== undefined && l.pod !== s && dst.pods.includes(l.pod) && !sameHost(s, l.pod),
    })),
  }));
  return [{ path: POD_PATH, connections: direct }, ...viaServices];
}

function podToOutside(model: PlatformModel, src: Workload, dst: ExternalActor, port: number, protocol: Protocol): PathProbe[] {
  if (dst.id === NODE_ID) {
    const local = src.pods.filter((s) => !s.hostNetwork && s.nodeIp).map((s) => ({ connection: { from: { pod: s }, to: { ip: s.nodeIp!, port }, protocol }, counts: () => true }));
    const remote = src.pods.flatMap((s) => {
      const n = otherNode(model, s.nodeIp);
      return n ? [{ connection: { from: { pod: s }, to: { ip: n, port }, protocol }, counts: () => true }] : [];
    });
    return [{ path: NODE_LOCAL_PATH, connections: local }, { path: OUTSIDE_PATH, connections: remote }];
  }
  const direct = src.pods.map((s) => ({ connection: { from: { pod: s }, to: { ip: dst.ip, port }, protocol }, counts: () => true }));
  const viaServices = servicesToAddress(model.services, dst.ip, port, protocol).map(({ service, port: servicePort }) => ({
    path: { via: "service", service: `${service.namespace}/${service.name}` } as FlowPath,
    connections: src.pods.map((s) => ({ connection: { from: { pod: s }, to: { service, port: servicePort }, protocol }, counts: (l: Landing) => l.ip === dst.ip })),
  }));
  return [{ path: OUTSIDE_PATH, connections: direct }, ...viaServices];
}

function outsideToPod(model: PlatformModel, src: ExternalActor, dst: Workload, port: number, protocol: Protocol): PathProbe[] {
  if (src.id === NODE_ID) {
    const local = dst.pods.filter((d) => !d.hostNetwork && d.nodeIp).map((d) => ({ connection: { from: { ip: d.nodeIp! }, to: { pod: d, port }, protocol }, counts: () => true }));
    const remote = dst.pods.flatMap((d) => {
      const n = otherNode(model, d.nodeIp);
      return n ? [{ connection: { from: { ip: n }, to: { pod: d, port }, protocol }, counts: () => true }] : [];
    });
    return [{ path: NODE_LOCAL_PATH, connections: local }, { path: OUTSIDE_PATH, connections: remote }];
  }
  return [{ path: OUTSIDE_PATH, connections: dst.pods.map((d) => ({ connection: { from: { ip: src.ip }, to: { pod: d, port }, protocol }, counts: () => true })) }];
}

/** Every path from `src` to `dst` on a port of `dst`, each with its connections (some paths may have none). */
export function pathProbes(model: PlatformModel, src: Party, dst: Party, port: number, protocol: Protocol): PathProbe[] {
  if (isWorkload(src) && isWorkload(dst)) return podToPod(model, src, dst, port, protocol);
  if (isWorkload(src) && !isWorkload(dst)) return podToOutside(model, src, dst, port, protocol);
  if (!isWorkload(src) && isWorkload(dst)) return outsideToPod(model, src, dst, port, protocol);
  // Traffic between two outside addresses never crosses the cluster.
  return [];
}
