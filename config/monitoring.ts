/** Monitoring settings: how long and how much Prometheus keeps, and how many replicas run. */
import type { ConfigReader } from "../config";

/** A Prometheus retention in hours, days or weeks (`15d`); shorter units make no sense here. */
export const RETENTION = /^[1-9][0-9]{0,3}(h|d|w)$/;

export interface MonitoringSettings {
  /** How long Prometheus keeps samples, e.g. `15d`. */
  readonly prometheusRetention: string;
  /** Size of each Prometheus replica's volume, in GiB. */
  readonly prometheusStorageGiB: number;
  /** Prometheus replicas; each scrapes every target, so two survive a node loss. */
  readonly prometheusReplicas: number;
  /** Alertmanager replicas; more than one form a gossip cluster that deduplicates notifications. */
  readonly alertmanagerReplicas: number;
  /** Size of Grafana's volume (its database: users, preferences, annotations), in GiB. */
  readonly grafanaStorageGiB: number;
}

export function readMonitoring(r: ConfigReader): MonitoringSettings {
  return {
    prometheusRetention: r.text("prometheusRetention", RETENTION, "a duration in hours, days or weeks such as 15d"),
    prometheusStorageGiB: r.integer("prometheusStorageGiB", 10, 4096),
    prometheusReplicas: r.integer("prometheusReplicas", 1, 3),
    alertmanagerReplicas: r.integer("alertmanagerReplicas", 1, 5),
    grafanaStorageGiB: r.integer("grafanaStorageGiB", 1, 100),
  };
}
