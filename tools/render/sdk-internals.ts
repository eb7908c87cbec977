/**
 * Every use the offline render makes of @pulumi/pulumi internals, in one place. None of these is
 * public API: an SDK upgrade may change them, and `tests/unit/sdk-internals.spec.ts` (the canary) says
 * which one moved before any render goes wrong. Read from @pulumi/pulumi 3.276.0
 * (`runtime/state.js` withLocalStorage; `runtime/mocks.js` MockMonitor).
 */
import * as pulumi from "@pulumi/pulumi";
import * as rpc from "@pulumi/pulumi/runtime/rpc";

/** The SDK version these internals were read from (checked by the canary against package.json). */
export const SDK_INTERNALS_VERSION = "3.276.0";

/**
 * Pulumi's own per-run state isolation (what its Automation API uses for inline programs). It is
 * marked internal, so its declaration is not published; the signature is stated here.
 */
export const { withLocalStorage } = require("@pulumi/pulumi/runtime/state") as {
  withLocalStorage<T>(callback: () => T): T;
};

/** A registration request as the SDK sends it to the resource monitor (gRPC message getters). */
export interface RegisterRequest {
  getParent(): string;
  getType(): string;
  getName(): string;
  getDependenciesList(): string[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getProvider(): string;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getIgnorechangesList(): string[];
  getCustom(): boolean;
}

/** A read request (`X.get(name, id)`). */
export interface ReadRequest {
  getType(): string;
  getName(): string;
  getId(): string;
}

/** The parts of the SDK's MockMonitor the render relies on. */
interface MockMonitorInternals {
  newUrn(parent: string, type: string, name: string): string;
  resources: Map<string, { urn: string; id: string | null; state: Record<string, unknown> }>;
  registerResource(req: unknown, callback: (err: unknown, resp: unknown) => void): void;
  readResource(req: unknown, callback: (err: unknown, resp: unknown) => void): void;
}

function mockMonitor(): MockMonitorInternals {
  return pulumi.runtime.getMonitor() as unknown as MockMonitorInternals;
}

/** The URN the mock monitor gives a resource. */
export function mockUrn(parent: string, type: string, name: string): string {
  return mockMonitor().newUrn(parent, type, name);
}

/** Makes an object the program never registered readable by URN (as the engine can read a chart's children). */
export function addLiveResource(type: string, name: string, id: string, state: Record<string, unknown>): string {
  const monitor = mockMonitor();
  const urn = monitor.newUrn("", type, name);
  monitor.resources.set(urn, { urn, id, state });
  return urn;
}

/** The wire form of a reference to a resource, as a mock's answer carries it (`runtime/rpc.js`). */
export function resourceReference(urn: string, id: string): Record<string, unknown> {
  return { [rpc.specialSigKey]: rpc.specialResourceSig, urn, id };
}

/** Calls `onRegister` / `onRead` for each registration and read the program sends, before the mock answers it. */
export function interceptRequests(onRegister: (req: RegisterRequest) => void, onRead: (req: ReadRequest) => void): void {
  const monitor = mockMonitor();
  const register = monitor.registerResource.bind(monitor);
  const read = monitor.readResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    onRegister(req as RegisterRequest);
    register(req, callback);
  };
  monitor.readResource = (req, callback) => {
    onRead(req as ReadRequest);
    read(req, callback);
  };
}
