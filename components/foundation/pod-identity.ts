/**
 * AWS credentials for one ServiceAccount through EKS Pod Identity: a role only that account of
 * this cluster may assume (cluster-addons.ts `podIdentityTrustPolicy`), its permissions, and the
 * association that hands it to the pods, created once the permissions exist (EKS sets a pod's
 * credentials when it starts, so a pod started before would run without them).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { podIdentityTrustPolicy } from "./cluster-addons";

export interface PodIdentitySubject {
  /** The cluster's name as configured (the trust policy's condition, the tags). */
  readonly clusterName: string;
  /** The cluster's name as an output, so that the association waits for the cluster. */
  readonly clusterResourceName: pulumi.Input<string>;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** Resource names of the role and of the association (kept as each component first named them). */
export interface PodIdentityNames {
  readonly role: string;
  readonly association: string;
}

export function podIdentityRole(
  names: PodIdentityNames,
  subject: PodIdentitySubject,
  /** The role's permissions: the resources attaching them, which the association waits for. */
  grant: (role: aws.iam.Role) => pulumi.Resource[],
  parent: pulumi.Resource,
): { role: aws.iam.Role; association: aws.eks.PodIdentityAssociation } {
  const tags = { cluster: subject.clusterName };
  const role = new aws.iam.Role(
    names.role,
    { assumeRolePolicy: podIdentityTrustPolicy(subject.clusterName, subject.namespace, subject.serviceAccount), tags },
    { parent },
  );
  const association = new aws.eks.PodIdentityAssociation(
    names.association,
    { clusterName: subject.clusterResourceName, namespace: subject.namespace, serviceAccount: subject.serviceAccount, roleArn: role.arn, tags },
    { parent, dependsOn: grant(role) },
  );
  return { role, association };
}
