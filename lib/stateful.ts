/**
 * Building blocks shared by the data tier's StatefulSets: what "protect the data" means for a
 * resource, volume claims, generated credentials and the hardened pod skeleton. Pure functions,
 * so that tests check the rules without an engine.
 */
import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./pod-security";
import { reloadAnnotations } from "./reload";

import type { DatastoreInstance } from "../catalog";
import { WorkloadResources, containerResources } from "../catalog/resource-profiles";

type Probe = k8s.types.input.core.v1.Probe;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type Resources = k8s.types.input.core.v1.ResourceRequirements;

/**
 * Options of the resources that hold data or the keys to it (StatefulSets and their Secrets):
 * `protect` makes `pulumi destroy` and accidental replacements fail instead of deleting;
 * `retainOnDelete` keeps the Kubernetes object if the resource leaves the program.
 */
export function dataSafety(protectData: boolean): { protect: boolean; retainOnDelete: boolean } {
  return { protect: protectData, retainOnDelete: protectData };
}

/** What becomes of the claim of a replica a scale-down removes. */
export type ScaledDownClaims = "Retain" | "Delete";

/**
 * What happens to a StatefulSet's volumes. Protected data keeps its claims when the StatefulSet
 * goes; otherwise (dev) they go with it. On scale-down the store decides: a node that comes back
 * may need its data (Retain), or must start empty because its peers have forgotten it (Delete).
 */
export function claimRetention(
  protectData: boolean,
  whenScaled: ScaledDownClaims,
): k8s.types.input.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy {
  return { whenDeleted: protectData ? "Retain" : "Delete", whenScaled };
}

/** Name of the one volume claim template of every data StatefulSet. */
export const DATA_CLAIM = "data";

/**
 * The claim the StatefulSet controller creates for one replica: `<template>-<statefulset>-<ordinal>`
 * (kubernetes pkg/controller/statefulset/stateful_set_utils.go `getPersistentVolumeClaimName`).
 */
export function claimName(statefulSet: string, ordinal: number, template = DATA_CLAIM): string {
  return `${template}-${statefulSet}-${ordinal}`;
}

/** The `data` volume claim template of a StatefulSet. */
export function dataVolumeClaim(
  size: string,
  storageClass: pulumi.Input<string>,
  labels: Record<string, string>,
): k8s.types.input.core.v1.PersistentVolumeClaim {
  return {
    metadata: { name: DATA_CLAIM, labels },
    spec: { accessModes: ["ReadWriteOnce"], storageClassName: storageClass, resources: { requests: { storage: size } } },
  };
}

/**
 * A generated password: letters and digits only, so that it needs no quoting in the config files
 * (redis.conf, rabbitmq.conf) and connection strings it ends up in. 32 alphanumerics are ~190 bits.
 */
export function generatedPassword(
  name: string,
  opts: pulumi.CustomResourceOptions,
  length = 32,
): random.RandomPassword {
  return new random.RandomPassword(name, { length, special: false }, opts);
}

/**
 * The pod skeleton every data workload shares: Pod Security `restricted` under a fixed UID whose
 * group owns the volumes, no service account token (none of them calls the API server), no
 * Service environment variables.
 */
export function hardenedPodSpec(uid: number): Pick<PodSpec, "securityContext" | "automountServiceAccountToken" | "enableServiceLinks"> {
  return {
    securityContext: restrictedPodSecurityContext({ runAsUser: uid, fsGroup: uid }),
    automountServiceAccountToken: false,
    enableServiceLinks: false,
  };
}

/** The container security context matching `hardenedPodSpec(uid)`. */
export function hardenedContainer(uid: number): k8s.types.input.core.v1.SecurityContext {
  return restrictedContainerSecurityContext({ runAsUser: uid });
}

/** A probe running a shell snippet inside the container (credentials come from its environment). */
export function shellProbe(script: string, timing: Omit<Probe, "exec" | "httpGet" | "tcpSocket" | "grpc">): Probe {
  return { exec: { command: ["sh", "-c", script] }, ...timing };
}

/** Requests and limits of a container (a row of catalog/resource-profiles.ts, or a helper container's own). */
export type ResourceProfile = WorkloadResources;

export function resourceRequirements(p: ResourceProfile): Resources {
  return containerResources(p);
}

/** Bytes of a memory quantity in Mi or Gi (the units the profiles use). */
export function memoryBytes(quantity: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!m) throw new Error(`memory quantity '${quantity}' must be a whole number of Mi or Gi`);
  return Number(m[1]) * (m[2] === "Gi" ? 1024 ** 3 : 1024 ** 2);
}

/** An emptyDir volume and its mount, for the paths a read-only root filesystem leaves unwritable. */
export function scratch(name: string, mountPath: string, sizeLimit = "64Mi") {
  return {
    volume: { name, emptyDir: { sizeLimit } },
    mount: { name, mountPath },
  };
}

/**
 * Pod template annotation carrying a digest of the configuration files, so that a change rolls
 * the pods (a mounted ConfigMap change alone does not restart anything).
 */
export function configChecksum(...files: string[]): Record<string, string> {
  return { "checksum/config": crypto.createHash("sha256").update(files.join("\0")).digest("hex") };
}

/**
 * Where a store's credentials come from (`ecommerce:secretsBackend`): generated by the program
 * and written into Secrets (`kubernetes`), or synced from Vault into Secrets of the same names by
 * ExternalSecrets that exist already (`vault`, components/secrets/), given by Secret name.
 */
export type StoreCredentials =
  | { readonly backend: "kubernetes" }
  | {
      readonly backend: "vault";
      readonly synced: Readonly<Record<string, pulumi.Resource>>;
      /** Synced Secrets whose change must not roll the store (leased client credentials it reads only to check itself). */
      readonly notRolling: readonly string[];
    };

/** A store's Secrets, by role: the names its pods read, and the resources they wait for. */
export interface CredentialSecrets<K extends string> {
  readonly names: Record<K, pulumi.Input<string>>;
  readonly resources: Record<K, pulumi.Resource>;
  /** What the StatefulSet must wait for explicitly (synced Secrets are named by plain strings). */
  readonly after: pulumi.Resource[];
  /**
   * The StatefulSet's annotations rolling its pods when a synced Secret changes (lib/reload.ts);
   * none for generated Secrets, which change only with the program.
   */
  readonly reload: Record<string, string>;
}

/**
 * The Secrets of a store. With `kubernetes`, `generate` makes the passwords and the Secrets'
 * arguments (each Secret is created under its name); with `vault` nothing is generated: each
 * name must be a synced Secret, and an unsynced one is an error naming it.
 */
export function credentialSecrets<K extends string>(
  credentials: StoreCredentials,
  names: Readonly<Record<K, string>>,
  generate: () => Record<K, k8s.core.v1.SecretArgs>,
  opts: pulumi.CustomResourceOptions,
): CredentialSecrets<K> {
  const keys = Object.keys(names) as K[];
  const pick = <V>(f: (k: K) => V) => Object.fromEntries(keys.map((k) => [k, f(k)])) as Record<K, V>;
  if (credentials.backend === "vault") {
    const resources = pick((k) => {
      const synced = credentials.synced[names[k]];
      if (!synced) throw new Error(`Secret '${names[k]}' is not synced from Vault (catalog/vault.ts has no target of that name)`);
      return synced;
    });
    const rolling = keys.filter((k) => !credentials.notRolling.includes(names[k])).map((k) => names[k]);
    return { names: pick((k) => names[k]), resources, after: keys.map((k) => resources[k]), reload: reloadAnnotations(rolling) };
  }
  const secretArgs = generate();
  const secrets = pick((k) => new k8s.core.v1.Secret(names[k], secretArgs[k], opts));
  return { names: pick((k) => secrets[k].metadata.name), resources: secrets, after: [], reload: {} };
}

/** What every data store component takes. */
export interface DataStoreArgs {
  /**
   * The catalog's instance: its name, its labels, and what clients use (the Secret, by name and
   * keys, the component creates for them).
   */
  readonly instance: DatastoreInstance;
  /** Namespace of the store. */
  readonly namespace: pulumi.Input<string>;
  /** Namespace of the clients, where their copy of the credentials lives. */
  readonly clientNamespace: pulumi.Input<string>;
  /** The cluster's StorageClass (components/foundation/storage-class.ts). */
  readonly storageClass: pulumi.Input<string>;
  /** Size of each replica's volume. */
  readonly storageSize: string;
  /** Protect the StatefulSet and its Secrets, keep the volumes when the StatefulSet goes. */
  readonly protectData: boolean;
  /** Container image. @default the component's pinned image */
  readonly image?: string;
  /** Requests and limits of the server container: the kind's row of the stack's resource profile. */
  readonly resources: ResourceProfile;
  /** What the pods need before they can start: nodes, the StorageClass and its CSI driver. @default none */
  readonly waitFor?: pulumi.Resource[];
  /** Generated here, or synced from Vault. */
  readonly credentials: StoreCredentials;
}

/**
 * The value of a builder inside a component's constructor; a rule the builder enforces fails as
 * a ResourceError naming the component.
 */
export function asResourceError<T>(component: pulumi.Resource, build: () => T): T {
  try {
    return build();
  } catch (err) {
    throw new pulumi.ResourceError(err instanceof Error ? err.message : String(err), component);
  }
}

/** A TCP port of a Service; the target is the same number (EKS's policy agent matches on it). */
export function servicePort(name: string, port: number) {
  return { name, port, targetPort: port, protocol: "TCP" };
}

export function containerPort(name: string, port: number) {
  return { name, containerPort: port, protocol: "TCP" };
}

/** Arguments of an Opaque Secret holding generated values. */
export function opaqueSecret(
  name: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  stringData: Record<string, pulumi.Input<string>>,
): k8s.core.v1.SecretArgs {
  return { metadata: { name, namespace, labels }, type: "Opaque", stringData };
}

/** Arguments of the ClusterIP (or, with `clusterIP: "None"`, headless) Service selecting a workload. */
export function serviceArgs(
  name: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  ports: ReturnType<typeof servicePort>[],
  extra: Partial<k8s.types.input.core.v1.ServiceSpec> = {},
): k8s.core.v1.ServiceArgs {
  return { metadata: { name, namespace, labels }, spec: { type: "ClusterIP", selector: labels, ports, ...extra } };
}

export interface StatefulSetShape {
  readonly name: string;
  readonly namespace: pulumi.Input<string>;
  readonly labels: Record<string, string>;
  /** The Service that governs the set (gives pods their DNS names). */
  readonly serviceName: pulumi.Input<string>;
  readonly replicas: number;
  /** Volume size and class, and whether the data is protected. */
  readonly store: Pick<DataStoreArgs, "storageSize" | "storageClass" | "protectData">;
  /** UID (and group) of every container; owns the volumes. */
  readonly uid: number;
  /** The claim of a replica removed by a scale-down: kept, or deleted with it. */
  readonly scaledDownClaims: ScaledDownClaims;
  readonly podAnnotations?: Record<string, string>;
  /** Annotations of the StatefulSet itself (a reloader's). @default none */
  readonly annotations?: Record<string, string>;
  readonly pod: Omit<PodSpec, "securityContext" | "automountServiceAccountToken" | "enableServiceLinks">;
  readonly spec?: Partial<k8s.types.input.apps.v1.StatefulSetSpec>;
}

/**
 * What every single-replica data StatefulSet takes from its store: the instance's name and
 * labels, its Service, one replica, and the claim kept if it is ever scaled down.
 */
export function singleReplica(
  store: DataStoreArgs,
  serviceName: pulumi.Input<string>,
): Pick<StatefulSetShape, "name" | "namespace" | "labels" | "serviceName" | "replicas" | "store" | "scaledDownClaims"> {
  return {
    name: store.instance.name,
    namespace: store.namespace,
    labels: store.instance.labels,
    serviceName,
    replicas: 1,
    store,
    scaledDownClaims: "Retain",
  };
}

/**
 * A data StatefulSet: one `data` volume per replica from the configured class, claims kept or not
 * per `protectData`, and the hardened pod skeleton. Components add their containers.
 */
export function statefulSetArgs(s: StatefulSetShape): k8s.apps.v1.StatefulSetArgs {
  return {
    metadata: { name: s.name, namespace: s.namespace, labels: s.labels, ...(s.annotations && Object.keys(s.annotations).length > 0 ? { annotations: s.annotations } : {}) },
    spec: {
      serviceName: s.serviceName,
      replicas: s.replicas,
      selector: { matchLabels: s.labels },
      persistentVolumeClaimRetentionPolicy: claimRetention(s.store.protectData, s.scaledDownClaims),
      volumeClaimTemplates: [dataVolumeClaim(s.store.storageSize, s.store.storageClass, s.labels)],
      ...s.spec,
      template: {
        metadata: { labels: s.labels, ...(s.podAnnotations ? { annotations: s.podAnnotations } : {}) },
        spec: { ...hardenedPodSpec(s.uid), ...s.pod },
      },
    },
  };
}
