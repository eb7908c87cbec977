import { SERVICES, databaseOwners, serviceFqdn } from "../../../catalog";
import { dataConnections, schemaName } from "../../../catalog/contracts";
import { MYSQL_DATADIR, MYSQL_USERNAME_MAX, mysqlUsername } from "../../../components/data/mysql";
import { stackRender, stackSetting } from "../../harness";
import { VARIANT_SERVICES, WISHLIST, changedDataTier } from "./fixtures";

const owners = databaseOwners().map((s) => s.name);
const SIZES = { dev: "5Gi", prod: "50Gi" } as const;
/** The labels the README documents for a database (written here, not read from the catalog). */
const mysqlLabels = (owner: string) => ({ app: `${owner}-mysql`, component: "database", owner });

describe.each(["dev", "prod"] as const)("MySQL databases of %s", (stack) => {
  const vault = stackSetting(stack, "secretsBackend") === "vault";
  test("11 Services named <service>-mysql, each owned by a catalog service, ClusterIP on 3306", async () => {
    const services = (await stackRender(stack)).kind("Service", "e-commerce").filter((s) => s.inputs.metadata.name.endsWith("-mysql"));
    expect(services).toHaveLength(11);
    expect(services.map((s) => s.inputs.metadata.name).sort()).toEqual(owners.map((o) => `${o}-mysql`).sort());
    for (const { inputs } of services) {
      const owner = inputs.metadata.labels.owner;
      expect(owners).toContain(owner);
      expect(inputs.metadata.name).toBe(`${owner}-mysql`);
      expect(inputs.spec.type).toBe("ClusterIP");
      expect(inputs.spec.ports).toEqual([{ name: "mysql", port: 3306, targetPort: 3306, protocol: "TCP" }]);
      expect(inputs.spec.selector).toEqual(mysqlLabels(owner));
    }
  });

  test.each(owners)("%s-mysql: one replica, governed by its Service, labelled for policies", async (owner) => {
    const sts = (await stackRender(stack)).find("StatefulSet", `${owner}-mysql`, "e-commerce");
    const labels = mysqlLabels(owner);
    expect(sts.spec.serviceName).toBe(`${owner}-mysql`);
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.selector.matchLabels).toEqual(labels);
    expect(sts.spec.template.metadata.labels).toEqual(labels);
    expect(sts.metadata.labels).toEqual(labels);
  });

  test("each StatefulSet claims its volume from the configured class and size", async () => {
    for (const sts of (await stackRender(stack)).kind("StatefulSet", "e-commerce").filter((s) => s.inputs.metadata.name.endsWith("-mysql"))) {
      const [claim] = sts.inputs.spec.volumeClaimTemplates;
      expect(claim.metadata.name).toBe("data");
      expect(claim.spec).toEqual({ accessModes: ["ReadWriteOnce"], storageClassName: "gp3", resources: { requests: { storage: SIZES[stack] } } });
      const mysql = sts.inputs.spec.template.spec.containers[0];
      // The data directory sits below the mount point, away from the volume's lost+found.
      expect(mysql.volumeMounts).toContainEqual({ name: "data", mountPath: "/var/lib/mysql" });
      expect(mysql.args).toContain(`--datadir=${MYSQL_DATADIR}`);
      expect(MYSQL_DATADIR.startsWith("/var/lib/mysql/")).toBe(true);
    }
  });

  test("credentials come from the Secrets, the schema from the contract", async () => {
    const sts = (await stackRender(stack)).find("StatefulSet", "auth-service-mysql", "e-commerce");
    const env = Object.fromEntries(sts.spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
    // Root's password only reaches the container that initialises the data directory.
    const init = sts.spec.template.spec.initContainers.find((c: any) => c.name === "mysql-init");
    const root = init.env.find((e: any) => e.name === "MYSQL_ROOT_PASSWORD");
    expect(root.valueFrom.secretKeyRef).toEqual({ name: "auth-service-mysql-root", key: "password" });
    if (vault) {
      // Vault's user from its own Secret; no application user, the probes use root (mysql-init.spec.ts).
      expect(init.env.find((e: any) => e.name === "MYSQL_VAULT_PASSWORD").valueFrom.secretKeyRef).toEqual({ name: "auth-service-mysql-vault", key: "password" });
      expect(env.MYSQL_ROOT_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: "auth-service-mysql-root", key: "password" });
      expect(env.MYSQL_USER).toBeUndefined();
    } else {
      expect(env.MYSQL_ROOT_PASSWORD).toBeUndefined();
      expect(env.MYSQL_USER.valueFrom.secretKeyRef).toEqual({ name: "auth-service-mysql-credentials", key: "username" });
      expect(env.MYSQL_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: "auth-service-mysql-credentials", key: "password" });
    }
    expect(env.MYSQL_DATABASE.value).toBe(schemaName("auth-service"));
    for (const e of Object.values(env) as any[]) {
      if (e.name.includes("PASSWORD")) expect(e.value).toBeUndefined();
    }
  });

  test("probes log in over TCP (readiness as the application, or as root with Vault) and never put a password on a command line", async () => {
    const c = (await stackRender(stack)).find("StatefulSet", "orders-service-mysql", "e-commerce").spec.template.spec.containers[0];
    const script = (p: any) => p.exec.command.join(" ");
    const login = vault ? /MYSQL_PWD="\$MYSQL_ROOT_PASSWORD" mysql --protocol=tcp -h 127\.0\.0\.1 -u root -D "\$MYSQL_DATABASE" -e "SELECT 1"/ : /MYSQL_PWD="\$MYSQL_PASSWORD" mysql --protocol=tcp -h 127\.0\.0\.1 -u "\$MYSQL_USER" -D "\$MYSQL_DATABASE" -e "SELECT 1"/;
    expect(script(c.readinessProbe)).toMatch(login);
    expect(script(c.startupProbe)).toBe(script(c.readinessProbe));
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(300);
    expect(script(c.livenessProbe)).toMatch(/mysqladmin .*ping/);
    for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe]) expect(script(p)).not.toMatch(/ -p\S/);
  });
});

describe("MySQL follows the catalog", () => {
  test("a new owning service yields its own database, Service and Secrets", async () => {
    const r = await changedDataTier();
    expect(r.find("Service", "wishlist-service-mysql", "e-commerce").spec.selector.owner).toBe("wishlist-service");
    expect(r.find("StatefulSet", "wishlist-service-mysql", "e-commerce").spec.serviceName).toBe("wishlist-service-mysql");
    expect(r.find("Secret", "wishlist-service-mysql-credentials", "e-commerce")).toBeDefined();
    expect(r.find("Secret", "wishlist-service-mysql-root", "e-commerce")).toBeDefined();
    expect(r.kind("StatefulSet", "e-commerce").filter((s) => s.inputs.metadata.name.endsWith("-mysql"))).toHaveLength(
      VARIANT_SERVICES.filter((s) => s.uses.includes("mysql")).length,
    );
    expect(VARIANT_SERVICES.map((s) => s.name)).toContain(WISHLIST);
  });

  test("the contract's hosts are the Services' DNS names", () => {
    const c = dataConnections(SERVICES);
    expect(c.mysql.map((i) => i.owner).sort()).toEqual([...owners].sort());
    expect(c.mysql.map((i) => i.clients.map((s) => s.name))).toEqual(c.mysql.map((i) => [i.owner]));
    expect(c.mysql.find((i) => i.owner === "payments-service")!.connection.host).toBe(serviceFqdn("payments-service-mysql", "e-commerce"));
  });

  test("user names fit MySQL's 32 characters", () => {
    expect(mysqlUsername(schemaName("recommendations-service"))).toBe("recommendations_service");
    expect(mysqlUsername("x".repeat(40))).toHaveLength(MYSQL_USERNAME_MAX);
  });
});
