/**
 * Host names the application gets, checked against the two facts that matter for clients:
 *
 * 1. No trailing dot. An absolute name with its root dot is legal DNS, but HTTP clients disagree
 *    on it: urllib3 strips the dot from the Host header while botocore signs the dotted name, so a
 *    Python S3 client gets SignatureDoesNotMatch from MinIO (boto/boto3#3492, aws/aws-cli#7327).
 * 2. Still one name looked up, not a walk through the search domains: the stub resolvers try a
 *    name "as is" first when it has at least `ndots` dots. glibc `resolv/res_query.c`,
 *    `__res_context_search`: `if (dots >= statp->ndots || trailing_dot)` queries the name
 *    unchanged and returns on an answer; musl 1.2.5 `src/network/lookup_name.c`,
 *    `name_from_dns_search`: `if (dots >= conf.ndots || name[l-1]=='.') *search = 0;` (no search
 *    list at all). With ndots below a name's dot count both resolve an existing name in one query.
 */
import { NAMESPACES, SERVICES } from "../../../catalog";
import { STACKS, stackRender } from "../../harness";

const NS = NAMESPACES.app.name;

/** The names a stub resolver queries for `name`, in order (the rule both libraries share). */
export function queryOrder(name: string, ndots: number, search: readonly string[]): string[] {
  const dots = [...name].filter((c) => c === ".").length;
  if (name.endsWith(".")) return [name.slice(0, -1)];
  const searched = search.map((domain) => `${name}.${domain}`);
  return dots >= ndots ? [name, ...searched] : [...searched, name];
}

/** The search list the kubelet writes into a pod of `namespace` (dnsPolicy ClusterFirst). */
const podSearch = (namespace: string) => [`${namespace}.svc.cluster.local`, "svc.cluster.local", "cluster.local"];

/** Every in-cluster host name a container is given: `*_HOST` values and the host part of `*_URL`s. */
function hostsOf(env: any[]): { name: string; host: string }[] {
  return env.flatMap((e) => {
    if (typeof e.value !== "string") return [];
    if (e.name.endsWith("_HOST")) return [{ name: e.name, host: e.value }];
    if (e.name.endsWith("_URL")) return [{ name: e.name, host: new URL(e.value).hostname }];
    return [];
  });
}

describe("the resolver rule itself", () => {
  test("a name with enough dots is tried as is first; fewer dots walk the search list first", () => {
    const search = podSearch(NS);
    expect(queryOrder("redis.e-commerce.svc.cluster.local", 2, search)[0]).toBe("redis.e-commerce.svc.cluster.local");
    expect(queryOrder("redis.e-commerce.svc.cluster.local", 5, search)[0]).toBe("redis.e-commerce.svc.cluster.local.e-commerce.svc.cluster.local");
    expect(queryOrder("redis.", 5, search)).toEqual(["redis"]);
  });
});

describe.each(STACKS)("application hosts of %s", (stack) => {
  const deployments = async () => (await stackRender(stack)).kind("Deployment", NS);

  test("every Deployment of the catalog gets host names", async () => {
    const withHosts = (await deployments()).filter((d) => hostsOf(d.inputs.spec.template.spec.containers[0].env).length > 0);
    // Every service uses RabbitMQ, so each one is given at least its host.
    expect(withHosts.map((d) => d.inputs.metadata.name).sort()).toEqual(SERVICES.map((s) => s.name).sort());
  });

  test("no host ends with a dot (botocore signs the dotted Host that urllib3 sends without it)", async () => {
    for (const d of await deployments()) {
      for (const h of hostsOf(d.inputs.spec.template.spec.containers[0].env)) {
        expect({ deployment: d.name, ...h, trailingDot: h.host.endsWith(".") }).toEqual({ deployment: d.name, ...h, trailingDot: false });
      }
    }
  });

  test("each host is a cluster FQDN the resolver queries first, as is (dots >= ndots)", async () => {
    for (const d of await deployments()) {
      const spec = d.inputs.spec.template.spec;
      const ndots = Number(spec.dnsConfig.options.find((o: any) => o.name === "ndots").value);
      for (const h of hostsOf(spec.containers[0].env)) {
        expect(h.host).toMatch(/^[a-z0-9-]+\.[a-z0-9-]+\.svc\.cluster\.local$/);
        expect({ deployment: d.name, ...h, first: queryOrder(h.host, ndots, podSearch(NS))[0] }).toEqual({ deployment: d.name, ...h, first: h.host });
      }
    }
  });
});
