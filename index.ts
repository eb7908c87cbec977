import { Platform } from "./components/platform";
import { loadConfig } from "./config";

const platform = new Platform("ecommerce", { config: loadConfig() });

export const {
  clusterName,
  clusterEndpoint,
  oidcIssuer,
  kubeconfig,
  nodeGroupName,
  vpcId,
  grafanaPortForward,
  apiUrl,
  ingressEndpoint,
  ingressNodePorts,
  dnsRecord,
} = platform.stackOutputs();
