/**
 * A process of the render service (render-service.ts): `node -r ts-node/register/transpile-only
 * tests/render-server.ts <dir> <stacks|variants>`, started by global-setup.ts. `stacks` renders
 * each committed stack and runs the render command's cases at once; `variants` renders what the
 * workers ask for. Each exits when asked to stop or when the process that started it ends.
 */
import * as fs from "fs";
import "../tools/render/reports";
import { formatSdkStacksPlainly } from "../tools/render/stack-traces";
import { CLI_CASES, CliCase, runCliCase } from "./cli-runs";
import { STACKS, renderRequest, renderStackFresh } from "./harness";
import { Job, READY, SERVER_ROLES, ServerRole, startRenderService } from "./render-service";

/** Does a job and writes its answer. */
async function runJob(job: Job, file: string, dir: string): Promise<void> {
  let answer: unknown;
  switch (job.job) {
    case "stack": {
      const { run, files } = await renderStackFresh(job.stack);
      answer = { resources: run.resources, reads: run.reads, outputs: run.outputs, files: [...files.entries()] };
      break;
    }
    case "cli":
      answer = await runCliCase(job.name as CliCase, dir);
      break;
    case "render": {
      const run = await renderRequest(job);
      answer = { resources: run.resources, reads: run.reads };
      break;
    }
  }
  fs.writeFileSync(file, JSON.stringify(answer));
}

async function main(dir: string, role: ServerRole): Promise<void> {
  if (!SERVER_ROLES.includes(role)) throw new Error(`usage: render-server.ts <dir> <${SERVER_ROLES.join("|")}>`);
  formatSdkStacksPlainly();
  const first: Job[] =
    role === "stacks"
      ? [...STACKS.map((stack): Job => ({ job: "stack", stack })), ...Object.keys(CLI_CASES).map((name): Job => ({ job: "cli", name }))]
      : [];
  await startRenderService(dir, role, (job, file) => runJob(job, file, dir), first, (job) => job.job === "cli", () => process.exit(0));
  process.stdin.on("close", () => process.exit(0)).resume();
  process.stdout.write(`${READY}\n`);
}

main(process.argv[2], process.argv[3] as ServerRole).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
