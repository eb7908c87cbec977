/**
 * Catalogs of any size for measuring how the render grows with the number of services: the
 * gateway plus `n` microservices whose rows repeat the real catalog's (same datastores, notes and
 * affinity), renamed `<name>-<round>` after the first round. With 13 it is the real catalog.
 */
import { SERVICES, ServiceSpec } from "../catalog";

export function syntheticCatalog(microservices: number, base: readonly ServiceSpec[] = SERVICES): ServiceSpec[] {
  const gateway = base.filter((s) => s.role === "gateway");
  const templates = base.filter((s) => s.role === "microservice");
  if (templates.length === 0) throw new Error("the base catalog has no microservice to repeat");
  const rows = Array.from({ length: microservices }, (_, i) => {
    const t = templates[i % templates.length];
    const round = Math.floor(i / templates.length);
    if (round === 0) return t;
    const suffix = `-${round + 1}`;
    const notes = t.notes?.minioBucket ? { ...t.notes, minioBucket: `${t.notes.minioBucket}${suffix}` } : t.notes;
    return { ...t, name: `${t.name}${suffix}`, ...(notes ? { notes } : {}) };
  });
  return [...gateway, ...rows];
}
