import { SERVICE_CIDR_BLOCKS, serviceCidrProblem } from "../../config/cluster";
import { hostCidr, kubeDnsServiceIp, kubernetesServiceIp } from "../../components/foundation/service-network";

describe("the service range's two known ClusterIPs", () => {
  test.each([
    ["172.20.0.0/16", "172.20.0.1", "172.20.0.10"],
    ["10.100.0.0/16", "10.100.0.1", "10.100.0.10"],
    ["192.168.5.0/24", "192.168.5.1", "192.168.5.10"],
    ["172.16.0.0/12", "172.16.0.1", "172.16.0.10"],
  ])("%s: kubernetes at %s (its first address), kube-dns at %s (EKS's .10)", (cidr, api, dns) => {
    expect(kubernetesServiceIp(cidr)).toBe(api);
    expect(kubeDnsServiceIp(cidr)).toBe(dns);
    expect(hostCidr(api)).toBe(`${api}/32`);
  });

  test("a malformed range is refused", () => {
    expect(() => kubernetesServiceIp("172.20.0.0")).toThrow(/not an IPv4 CIDR/);
  });
});

describe("serviceCidrProblem: EKS's rules for serviceIpv4Cidr", () => {
  test("accepts a private range of /12 to /24 outside the VPC", () => {
    for (const cidr of ["172.20.0.0/16", "10.100.0.0/16", "192.168.0.0/24", "172.16.0.0/12"]) expect(serviceCidrProblem(cidr, "10.10.0.0/16")).toBeUndefined();
    expect(SERVICE_CIDR_BLOCKS).toEqual(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);
  });

  test.each([
    ["100.64.0.0/16", /a private range inside/],
    ["172.32.0.0/16", /a private range inside/],
    ["10.0.0.0/11", /a prefix from \/12 to \/24/],
    ["10.0.0.0/25", /a prefix from \/12 to \/24/],
    ["10.10.0.0/24", /outside the VPC's 10.10.0.0\/16/],
    ["10.0.0.0/12", /outside the VPC's 10.10.0.0\/16/],
    ["10.10.0.1/24", /did you mean 10.10.0.0\/24/],
  ])("refuses %s", (cidr, problem) => {
    expect(serviceCidrProblem(cidr, "10.10.0.0/16")).toMatch(problem);
  });
});
