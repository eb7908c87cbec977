import { RELEASE } from "../../components/monitoring/kube-prometheus-stack/chart";
import { lintModel } from "../../tools/netpol/lints";
import { FlowMatrix, computeMatrix } from "../../tools/netpol/matrix";
import { MAX_EDGES, flowDiagram } from "../../tools/netpol/mermaid";
import { modelFromRender } from "../../tools/netpol/model";
import { platformAnalysis } from "../../tools/netpol/platform";
import { allowedFlowsTable } from "../../tools/netpol/flow-table";
import type { Flow } from "../../tools/netpol/matrix";
import { FlowPath, NODE_LOCAL_PATH, POD_PATH, servicePath } from "../../tools/netpol/paths";
import { FLOWS_FILE, countVerdicts, flowsMarkdown, flowsReport, matrixTable, reportMatrices, shownMatrix } from "../../tools/netpol/report";
import "../../tools/render/reports";
import { stackRun } from "../harness";
import { DENY_ALL, policy, shop, zeroTrustShop } from "./render";

const zeroTrust = zeroTrustShop;

describe("flows.md", () => {
  const md = flowsReport(zeroTrust());
  const matrix = computeMatrix(modelFromRender(zeroTrust()));

  test("the header states the counts of allowed and denied flows", () => {
    const c = countVerdicts(matrix);
    expect(c.allowed + c.denied + c.partial).toBe(matrix.flows.length);
    expect(c.allowed).toBeGreaterThan(0);
    expect(c.denied).toBeGreaterThan(0);
    expect(md.split("\n").slice(0, 3).join("\n")).toBe(
      `# Network flows\n\n**${c.allowed} allowed, ${c.denied} denied** of ${matrix.flows.length} flows probed under the NetworkPolicy API's semantics, between 4 workloads and 1 outside endpoint (internet), under 6 NetworkPolicies.`,
    );
  });

  test("the table has one row per pair, with allowed and denied ports apart", () => {
    const table = matrixTable(matrix);
    expect(table).toContain("| app/web | data/db | 3306/TCP mysql (pod IPs, Service data/db) | - |");
    expect(table).toContain("| app/web | app/web | - | 8080/TCP http, 9090/TCP metrics |");
    expect(table).toContain("| app/web | kube-system/coredns | 53/TCP dns-tcp (pod IPs, Service kube-system/kube-dns), 53/UDP dns (pod IPs, Service kube-system/kube-dns) | 9153/TCP metrics |");
    const pairs = new Set(matrix.flows.map((f) => `${f.source} ${f.destination}`));
    expect(table.split("\n")).toHaveLength(pairs.size + 2);
  });

  test("the diagram groups workloads by namespace and draws only allowed flows", () => {
    const text = md.slice(md.indexOf("```mermaid"), md.lastIndexOf("```"));
    expect(text).toContain('  subgraph ns_data["data"]\n    w_data__db["db"]\n  end');
    expect(text).toContain('  x_internet(("internet"))');
    expect(text).toContain('  w_app__web -->|"3306/TCP"| w_data__db');
    // A namespace of a single workload is drawn workload by workload.
    expect(text).toContain('  w_app__web -->|"53/TCP, 53/UDP"| w_kube_system__coredns');
    expect(text).not.toContain("w_outsider__outsider --> w_data__db");
    expect(text.match(/-->/g)!.length).toBe(flowDiagram(matrix).edges);
  });

  test("lint findings are listed", () => {
    expect(md).toContain("## Lint findings\n\nNone.");
    const noisy = flowsReport(shop(policy("data", "deny", DENY_ALL)));
    expect(noisy).toContain("- [pod-without-policy] data/db is selected by no policy of its own");
    expect(lintModel(modelFromRender(shop(policy("data", "deny", DENY_ALL))))).toHaveLength(1);
  });

  test("is the same for the same render", () => {
    expect(flowsReport(zeroTrust())).toBe(md);
  });
});

describe("the diagram's grouping", () => {
  const flow = (source: string, destination: string, port = 80) => ({ source, destination, port, protocol: "TCP" as const, path: POD_PATH, verdict: "allowed" as const });
  const endpoints = [
    { id: "a/one", namespace: "a", name: "one" },
    { id: "a/two", namespace: "a", name: "two" },
    { id: "b/db", namespace: "b", name: "db" },
    { id: "internet", name: "internet" },
  ];

  test("edges every workload of a namespace shares are drawn once from the namespace", () => {
    const d = flowDiagram({ endpoints, flows: [flow("a/one", "b/db"), flow("a/two", "b/db"), flow("internet", "a/one")] });
    expect(d.text.split("\n").filter((l) => l.includes("-->"))).toEqual([
      '  ns_a -->|"80/TCP"| w_b__db',
      '  x_internet -->|"80/TCP"| w_a__one',
    ]);
  });

  test("a partial flow is dotted; a namespace is never linked to its own node", () => {
    const d = flowDiagram({
      endpoints,
      flows: [{ ...flow("a/one", "b/db"), verdict: "partial" }, flow("a/one", "a/two"), flow("a/two", "a/two")],
    });
    expect(d.text).toContain('  w_a__one -.->|"80/TCP"| w_b__db');
    expect(d.text).toContain('  w_a__one -->|"80/TCP"| w_a__two');
    expect(d.text).not.toContain("ns_a -->");
  });

  test("too many edges: namespaces become nodes and edges count flows", () => {
    const many: FlowMatrix = {
      endpoints: [...endpoints, ...Array.from({ length: 40 }, (_, i) => ({ id: `c/w${i}`, namespace: "c", name: `w${i}` }))],
      flows: Array.from({ length: 40 }, (_, i) => Array.from({ length: 40 }, (_, j) => flow(`c/w${i}`, `c/w${j}`, 1000 + j))).flat(),
    };
    const d = flowDiagram(many);
    expect(d.byNamespace).toBe(true);
    expect(d.text).toContain('  ns_c["c (40 workloads)"]');
    expect(d.text).toContain('  ns_c -->|"1600 flows"| ns_c');
    expect(d.text).not.toContain("subgraph");
    expect(d.edges).toBeLessThanOrEqual(MAX_EDGES);
  });

  test("the Markdown says how to read the diagram, by workload or by namespace", () => {
    const m = modelFromRender(shop());
    expect(flowsMarkdown(m, reportMatrices(m), [])).toMatch(/Arrows carry the allowed ports/);
    const crowded: FlowMatrix = {
      endpoints: Array.from({ length: 20 }, (_, i) => ({ id: `c/w${i}`, namespace: "c", name: `w${i}` })),
      flows: Array.from({ length: 20 }, (_, i) => Array.from({ length: 20 }, (_, j) => flow(`c/w${i}`, `c/w${j}`, 1000 + j))).flat(),
    };
    expect(flowsMarkdown(m, { api: crowded }, [])).toMatch(/Too many allowed flows to draw one by one/);
  });
});

test("every render writes flows.md under the EKS VPC CNI model, with each flow's path, and the API server in the control-plane subnets", async () => {
  // The run's own render of dev (the render service, tests/render-service.ts), with the files the render command writes.
  const { files, rendered } = await stackRun("dev");
  const md = files.get(FLOWS_FILE)!;
  const { modelOptions, lintOptions } = platformAnalysis(rendered);
  const matrices = reportMatrices(modelFromRender(rendered, modelOptions));
  expect(matrices.cni).toBeDefined();
  const c = countVerdicts(shownMatrix(matrices));
  expect(c.denied).toBeGreaterThan(c.allowed);
  expect(md).toMatch(new RegExp(`^# Network flows\\n\\n\\*\\*${c.allowed} allowed, ${c.denied} denied\\*\\* of \\d+ flows probed under the EKS VPC CNI's enforcement \\(strict mode\\)`));
  expect(md).toBe(flowsReport(rendered, modelOptions, lintOptions));
  expect(md).toContain("## Lint findings\n\nNone.");
  expect(md).toContain("## Where the two semantics differ\n\nNone: the NetworkPolicy API's semantics give every flow the same verdict.");
  // Rendered workloads, the pods of the monitoring chart and the API server are all in the matrix, each flow with its paths.
  expect(md).toContain(`| e-commerce/api-gateway | monitoring/prometheus-${RELEASE} | - | 8080/TCP reloader-web, 9090/TCP http-web |`);
  expect(md).toContain(`| monitoring/prometheus-${RELEASE} | e-commerce/api-gateway | 9090/TCP metrics (pod IPs, Service e-commerce/api-gateway) | 8100/TCP http |`);
  expect(md).toContain("| kube-apiserver | cert-manager/cert-manager-webhook | 10250/TCP https (outside the pod network) |");
  // The allowed flows' table: the API clients through the kubernetes Service, the kubelet on each pod's own node.
  expect(md).toContain("| traefik/traefik | kube-apiserver | 443/TCP | outside the pod network, Service default/kubernetes | allowed |");
  expect(md).toContain("| node | every pod of e-commerce | every declared port | its own node | allowed |");
});

describe("the report's sections", () => {
  test("flows the two semantics judge differently are listed, CNI verdict first", () => {
    const m = modelFromRender(
      shop(policy("app", "deny-all-default", DENY_ALL), policy("data", "deny-all-default", DENY_ALL)),
      { serviceCidr: "172.20.0.0/16", nodeAddresses: ["10.10.0.10", "10.10.64.10"] },
    );
    const md = flowsMarkdown(m, reportMatrices(m), []);
    // kube-system has no policy: strict mode denies CoreDNS what the API leaves open.
    expect(md).toContain("- outsider/outsider -> kube-system/coredns 53/UDP via Service kube-system/kube-dns: denied -> allowed");
    expect(md).toContain("- internet -> kube-system/coredns 53/TCP via outside the pod network: denied -> allowed");
    expect(md).toMatch(/under the EKS VPC CNI's enforcement \(strict mode\)/);
  });

  test("without a service range the report falls back to the API semantics, and says why", () => {
    const m = modelFromRender(shop());
    expect(reportMatrices(m).cni).toBeUndefined();
    expect(flowsMarkdown(m, reportMatrices(m), [])).toContain("Not computed: the EKS VPC CNI model needs every Service's ClusterIP");
  });
});

describe("the allowed flows' table", () => {
  const endpoints = [
    { id: "a/one", namespace: "a", name: "one" },
    { id: "a/two", namespace: "a", name: "two" },
    { id: "b/db", namespace: "b", name: "db" },
    { id: "node", name: "node" },
  ];
  const f = (source: string, destination: string, port: number, path: FlowPath, verdict: Flow["verdict"] = "allowed"): Flow => ({ source, destination, port, protocol: "TCP", path, verdict });

  test("one row per ports with every path they are open on; rows a whole namespace shares fold; denied flows stay out", () => {
    const table = allowedFlowsTable(
      {
        endpoints,
        flows: [
          f("a/one", "b/db", 3306, POD_PATH),
          f("a/one", "b/db", 3306, servicePath("b", "db")),
          f("a/two", "b/db", 3306, POD_PATH),
          f("a/two", "b/db", 3306, servicePath("b", "db")),
          f("a/one", "b/db", 9090, POD_PATH, "denied"),
          f("node", "a/one", 8080, NODE_LOCAL_PATH),
          f("node", "a/one", 9090, NODE_LOCAL_PATH),
          f("node", "a/two", 8081, NODE_LOCAL_PATH),
          f("a/two", "a/two", 8081, POD_PATH, "partial"),
          f("a/one", "a/two", 8081, POD_PATH, "denied"),
          f("a/one", "a/one", 8080, POD_PATH, "denied"),
          f("a/one", "a/one", 9090, POD_PATH, "denied"),
        ],
      },
      "Verdict",
    );
    expect(table.split("\n")).toEqual([
      "| Source | Destination | Ports | Paths | Verdict |",
      "|---|---|---|---|---|",
      "| a/two | a/two | 8081/TCP | pod IPs | some pods |",
      "| every pod of a | b/db | 3306/TCP | pod IPs, Service b/db | allowed |",
      // The node reaches its own pods on all their ports: they fold though the ports differ.
      "| node | every pod of a | every declared port | its own node | allowed |",
    ]);
  });
});
