/**
 * The cluster's service range and the two ClusterIPs it fixes. With the range set explicitly
 * (`ecommerce:serviceCidr`), both are known before the cluster exists, so NetworkPolicies can
 * name the `kubernetes` Service by address: the EKS VPC CNI judges egress on the ClusterIP a
 * packet carries, before kube-proxy's DNAT, and that Service has no selector a policy could match.
 */
import { cidrRange, intToIp } from "../../lib/ipv4";

function rangeOf(serviceCidr: string) {
  const range = cidrRange(serviceCidr);
  if (!range) throw new Error(`service CIDR '${serviceCidr}' is not an IPv4 CIDR`);
  return range;
}

/**
 * The `kubernetes` Service's ClusterIP: the first usable address of the range
 * (kubernetes/kubernetes `pkg/controlplane/services.go`, `ServiceIPRange`:
 * `GetIndexedIP(&serviceClusterIPRange, 1)`).
 */
export function kubernetesServiceIp(serviceCidr: string): string {
  return intToIp(rangeOf(serviceCidr).first + 1);
}

/**
 * kube-dns' ClusterIP: the `.10` address of the range, which the kubelet of EKS nodes is given
 * as its cluster DNS (awslabs/amazon-eks-ami v20260724 `nodeadm/internal/api/net.go`,
 * `GetClusterDns`, "the default ClusterIP of the kube-dns service from EKS built-in CoreDNS
 * addon": the range's address up to its last dot, then `.10`). Ranges are /24 or larger, so
 * that is the network address plus 10.
 */
export function kubeDnsServiceIp(serviceCidr: string): string {
  return intToIp(rangeOf(serviceCidr).first + 10);
}

/** An address as a one-address `ipBlock` CIDR. */
export function hostCidr(address: string): string {
  return `${address}/32`;
}
