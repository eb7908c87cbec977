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
  apiUrl,
  ingressEndpoint,
  ingressNodePorts,
} = platform.stackOutputs();
