/** Queries over a render restricted to the data tier, shared by the data tier's tests. */
import { RecordedResource, Rendered } from "../../../tools/render/engine";

/** Resources below the DataTier component (URNs only name the direct parent's type). */
export function dataTierResources(r: Rendered): RecordedResource[] {
  const below = (x: RecordedResource): boolean => {
    const parent = x.parent ? r.byUrn(x.parent) : undefined;
    return parent !== undefined && (parent.type === "ecommerce:data:DataTier" || below(parent));
  };
  return r.resources.filter(below);
}

/** The data tier's Kubernetes objects of a kind. */
export function dataObjects(r: Rendered, kind: string): RecordedResource[] {
  return dataTierResources(r).filter((x) => x.inputs.kind === kind && x.inputs.apiVersion);
}
