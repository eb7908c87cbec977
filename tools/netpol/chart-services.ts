/**
 * ClusterIP Services that Helm charts create and that clients of the platform dial. Under the
 * EKS VPC CNI a client's egress is judged on the Service's ClusterIP, so the model needs these
 * Services even though the render holds each chart as one opaque resource. Only Services some
 * client reaches by ClusterIP are listed: the others' clients dial pod addresses.
 */
import { MONITORING_POD_LABELS, MONITORING_SERVICES } from "../../components/monitoring/kube-prometheus-stack/chart";
import { KUBE_PROMETHEUS_STACK } from "../../components/monitoring/kube-prometheus-stack/chart";
import { VAULT, VAULT_NAME, VAULT_POD_LABELS, VAULT_PORTS } from "../../components/secrets/vault/chart";
import type { ServicePort } from "./types";

export interface ChartService {
  /** Chart name, as the Chart resource's `chart` input ends. */
  readonly chart: string;
  readonly name: string;
  /** Equality selector over the pods' labels. */
  readonly selector: Readonly<Record<string, string>>;
  readonly ports: readonly ServicePort[];
  readonly purpose: string;
}

/**
 * kube-prometheus-stack 88.5.3, with the monitoring tier's values (fullnameOverride and the
 * custom resources named after the release): `templates/prometheus/service.yaml` selects
 * `app.kubernetes.io/name: prometheus` and `operator.prometheus.io/name: <release>`, ports
 * `http-web` 9090 -> 9090 and `reloader-web` 8080 -> the named port `reloader-web`;
 * `templates/alertmanager/service.yaml` selects `app.kubernetes.io/name: alertmanager` and
 * `alertmanager: <release>`, ports `http-web` 9093 -> 9093 and `reloader-web` 8080 -> `reloader-web`
 * (values.yaml `prometheus.service.port`/`targetPort`/`reloaderWebPort`,
 * `alertmanager.service.port`/`targetPort`). Grafana's data sources dial both
 * (`templates/grafana/configmaps-datasources.yaml`).
 */
export const CHART_SERVICES: readonly ChartService[] = [
  {
    chart: KUBE_PROMETHEUS_STACK.pin.chart,
    name: MONITORING_SERVICES.chartPrometheus,
    selector: MONITORING_POD_LABELS.prometheus,
    ports: [
      { name: "http-web", port: 9090, targetPort: 9090, protocol: "TCP" },
      { name: "reloader-web", port: 8080, targetPort: "reloader-web", protocol: "TCP" },
    ],
    purpose: "Grafana's Prometheus data source",
  },
  {
    chart: KUBE_PROMETHEUS_STACK.pin.chart,
    name: MONITORING_SERVICES.alertmanager,
    selector: MONITORING_POD_LABELS.alertmanager,
    ports: [
      { name: "http-web", port: 9093, targetPort: 9093, protocol: "TCP" },
      { name: "reloader-web", port: 8080, targetPort: "reloader-web", protocol: "TCP" },
    ],
    purpose: "Grafana's Alertmanager data source",
  },
  // hashicorp/vault-helm v0.34.1 `templates/server-service.yaml` 45-60: the `vault` Service selects
  // every server (`app.kubernetes.io/name`, `app.kubernetes.io/instance` with
  // `server.service.instanceSelector.enabled`, `component: server`; values.yaml 777-778), ports
  // `https` 8200 -> 8200 (`server.service.port`/`targetPort`, 832-834) and `https-internal` 8201.
  // ESO's stores and the bootstrap dial it.
  {
    chart: VAULT.pin.chart,
    name: VAULT_NAME,
    selector: { ...VAULT_POD_LABELS },
    ports: [
      { name: "https", port: VAULT_PORTS.api, targetPort: VAULT_PORTS.api, protocol: "TCP" },
      { name: "https-internal", port: VAULT_PORTS.cluster, targetPort: VAULT_PORTS.cluster, protocol: "TCP" },
    ],
    purpose: "Vault's clients: ESO's stores and generators, the bootstrap Job",
  },
];
