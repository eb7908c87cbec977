/**
 * The flow analyzer: NetworkPolicy evaluation with the API's semantics (evaluate.ts) and with
 * the EKS VPC CNI's enforcement (cni.ts, cni-controller.ts, cni-agent.ts), both at the level of
 * a connection a client makes (connection.ts) on the paths a client takes (paths.ts), the
 * platform model read from a render (model.ts, model-services.ts, model-actors.ts,
 * chart-workloads.ts, chart-services.ts), the connectivity matrix and its diff (matrix.ts),
 * lints (lints.ts) and the `flows.md` report (report.ts, flow-table.ts, mermaid.ts).
 */
export * from "./chart-services";
export * from "./chart-workloads";
export * from "./cni";
export * from "./cni-agent";
export * from "./cni-controller";
export * from "./connection";
export * from "./evaluate";
export * from "./flow-table";
export * from "./lints";
export * from "./matrix";
export * from "./model";
export * from "./model-services";
export * from "./paths";
export * from "./report";
export * from "./selectors";
export * from "./types";
