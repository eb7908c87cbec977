/**
 * Names of the AWS Load Balancer Controller's Service API that the product, its policy pack and
 * its deploy plan share (kubernetes-sigs/aws-load-balancer-controller v3.5.0
 * `pkg/config/service_config.go` 7, `docs/guide/service/annotations.md`).
 */

/** The `spec.loadBalancerClass` the controller reconciles by default (its chart's `loadBalancerClass`). */
export const NLB_LOAD_BALANCER_CLASS = "service.k8s.aws/nlb";

/** Prefix of the controller's Service annotations. */
export const NLB_ANNOTATION_PREFIX = "service.beta.kubernetes.io/aws-load-balancer";

/** The frontend security groups of the NLB: without it, the controller makes one of its own. */
export const NLB_SECURITY_GROUPS_ANNOTATION = `${NLB_ANNOTATION_PREFIX}-security-groups`;
