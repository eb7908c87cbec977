/**
 * The flow analyzer: NetworkPolicy evaluation (evaluate.ts), the platform model read from a
 * render (model.ts, chart-workloads.ts), the connectivity matrix and its diff (matrix.ts), lints
 * (lints.ts) and the `flows.md` report (report.ts, mermaid.ts).
 */
export * from "./chart-workloads";
export * from "./evaluate";
export * from "./lints";
export * from "./matrix";
export * from "./model";
export * from "./report";
export * from "./selectors";
export * from "./types";
