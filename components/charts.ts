/**
 * Every Helm chart the platform installs, one module each (pin, release, namespace, pods, CRD
 * groups, values). The chart-pod table, the deploy-order rules and the tests read this list: a new
 * chart is one module in its component's folder, listed here.
 */
import type { ChartModule } from "../lib/helm";
import { AWS_LOAD_BALANCER_CONTROLLER } from "./foundation/aws-load-balancer-controller/chart";
import { METRICS_SERVER } from "./foundation/metrics-server/chart";
import { KARPENTER } from "./foundation/karpenter/chart";
import { CERT_MANAGER } from "./ingress/cert-manager/chart";
import { TRAEFIK } from "./ingress/traefik/chart";
import { KUBE_PROMETHEUS_STACK } from "./monitoring/kube-prometheus-stack/chart";
import { VAULT } from "./secrets/vault/chart";
import { EXTERNAL_SECRETS } from "./secrets/external-secrets/chart";
import { RELOADER } from "./secrets/reloader/chart";

export const CHARTS: readonly ChartModule[] = [
  KARPENTER,
  TRAEFIK,
  CERT_MANAGER,
  KUBE_PROMETHEUS_STACK,
  METRICS_SERVER,
  AWS_LOAD_BALANCER_CONTROLLER,
  VAULT,
  EXTERNAL_SECRETS,
  RELOADER,
];

/** API group -> name of the chart that installs its CRDs. */
export function chartCrdGroups(charts: readonly ChartModule[] = CHARTS): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of charts) {
    for (const group of c.crdGroups) {
      if (out[group]) throw new Error(`API group '${group}' is claimed by charts '${out[group]}' and '${c.pin.chart}'`);
      out[group] = c.pin.chart;
    }
  }
  return out;
}
