/**
 * The guardrails of the platform. `index.ts` serves them as a policy pack (`pulumi preview
 * --policy-pack policy`); tests import them from here, because a PolicyPack may be constructed
 * only once per process and starts a server when it is.
 */
import type { Policies } from "@pulumi/policy";
import { eksNetworkPolicyEnforcement, eksSecretsEncryption } from "./cluster";
import { ingressTls, loadBalancersOwned, namespacesDefaultDeny, noExternalServices } from "./exposure";
import { imagesPinned, podSecurityRestricted, resourcesSet, statefulSetDataProtected } from "./workloads";

export const POLICY_PACK_NAME = "ecommerce-guardrails";

export const policies: Policies = [
  podSecurityRestricted,
  imagesPinned,
  resourcesSet,
  noExternalServices,
  loadBalancersOwned,
  ingressTls,
  namespacesDefaultDeny,
  statefulSetDataProtected,
  eksSecretsEncryption,
  eksNetworkPolicyEnforcement,
];
