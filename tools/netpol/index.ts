/**
 * The flow analyzer: NetworkPolicy evaluation with the API's semantics (evaluate.ts) and with
 * the EKS VPC CNI's enforcement (cni.ts, cni-controller.ts, cni-agent.ts), both at the level of
 * a connection a client makes (connection.ts), the platform model read from a
 * render (model.ts, chart-workloads.ts), the connectivity matrix and its diff (matrix.ts), lints
 * (lints.ts) and the `flows.md` report (report.ts, mermaid.ts).
 */
export * from "./chart-workloads";
export * from "./cni";
export * from "./cni-agent";
export * from "./cni-controller";
export * from "./connection";
export * from "./evaluate";
export * from "./lints";
export * from "./matrix";
export * from "./model";
export * from "./report";
export * from "./selectors";
export * from "./types";
