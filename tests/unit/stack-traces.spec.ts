/**
 * The formatter the renders install for the stacks the Pulumi SDK takes (tools/render/stack-traces.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { PROMISE_STACK_FRAMES, SDK_STACK_FRAMES, sdkAwareFormatter } from "../../tools/render/stack-traces";
import { PROJECT_DIR } from "../harness";

const frame = (file: string, line: number, fn = `f${line}`) =>
  ({ getFileName: () => file, getFunctionName: () => fn, toString: () => `${fn} (${file}:${line}:1)` }) as unknown as NodeJS.CallSite;
const sdkFile = path.join(PROJECT_DIR, "node_modules", "@pulumi", "pulumi", "resource.js");
const userFile = path.join(PROJECT_DIR, "components", "platform.ts");

test("a stack taken inside the SDK is V8's format, cut to its first frames", () => {
  const frames = Array.from({ length: 40 }, (_, i) => frame(i < 5 ? sdkFile : userFile, i));
  const text = sdkAwareFormatter(() => "installed")(new Error("x"), frames) as string;
  const lines = text.split("\n");
  expect(lines[0]).toBe("Error: x");
  expect(lines.slice(1)).toEqual(frames.slice(0, SDK_STACK_FRAMES).map((f) => `    at ${f}`));
});

test("a promise's bookkeeping stack keeps only the wrapping call", () => {
  const frames = [frame(sdkFile, 1, "debuggablePromise"), ...Array.from({ length: 20 }, (_, i) => frame(sdkFile, i + 2))];
  const text = sdkAwareFormatter(() => "installed")(new Error(), frames) as string;
  expect(text.split("\n").slice(1)).toEqual(frames.slice(0, PROMISE_STACK_FRAMES).map((f) => `    at ${f}`));
  // debuggable.js still takes that stack for the message it prints beside a promise never settled.
  const debuggable = fs.readFileSync(path.join(path.dirname(sdkFile), "runtime", "debuggable.js"), "utf8");
  expect(debuggable).toContain('Object.defineProperty(p, "_debugStackTrace", { writable: true, value: new Error().stack });');
});

test("any other stack goes to the formatter installed before (source maps for a reader)", () => {
  const frames = [frame(userFile, 1), frame(sdkFile, 2)];
  expect(sdkAwareFormatter((_, f) => `installed ${f.length}`)(new Error("x"), frames)).toBe("installed 2");
});

test("the SDK still takes a resource's source position from the sixth frame, the cut keeps it", () => {
  // @pulumi/pulumi resource.js: `Resource.stackTrace(4)` drops callsites' first five frames.
  const source = fs.readFileSync(sdkFile, "utf8");
  expect(source).toContain("Resource.stackTrace(4)");
  expect(source).toContain("stack = stack.slice(skip + 1)");
  expect(SDK_STACK_FRAMES).toBeGreaterThan(5);
});
