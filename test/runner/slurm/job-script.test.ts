// The job script run by a real bash without Slurm: it starts the stage command with the job's variables, refuses a stale lease, and kills a stage whose lease goes stale.
import { mkdtempSync, readFileSync, utimesSync, writeFileSync, chmodSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { jobScript, LEASE_LOST_EXIT, sbatchFlags, shellQuote } from "../../../runner/slurm/job-script.js";
import { TSX_LOADER } from "../../../runner/stage-process.js";
import { LEASE_STALE_MS } from "../../../schemas/stage-contract.js";

/** A folder with a lease, a module that records its environment (or sleeps), and the script for it. */
function setUp(moduleSource: string): { dir: string; script: string; lease: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dag job script '"));
  const lease = path.join(dir, "lease.json");
  writeFileSync(lease, "{}");
  writeFileSync(path.join(dir, "stage.mjs"), moduleSource);
  const script = path.join(dir, "job.sh");
  writeFileSync(
    script,
    jobScript({ node: process.execPath, loader: TSX_LOADER, moduleAbs: path.join(dir, "stage.mjs"), cwd: dir, jobFile: path.join(dir, "job.json"), messagesFile: path.join(dir, "messages.jsonl"), leaseFile: lease }),
  );
  chmodSync(script, 0o755);
  return { dir, script, lease };
}

describe("the job script", () => {
  it("runs the stage in the project with DAG_JOB, DAG_MESSAGES and DAG_LEASE, and exits with its code (paths with spaces and quotes)", async () => {
    const { dir, script, lease } = setUp(`import { writeFileSync } from "node:fs";
writeFileSync("seen.json", JSON.stringify({ cwd: process.cwd(), job: process.env.DAG_JOB, messages: process.env.DAG_MESSAGES, lease: process.env.DAG_LEASE }));
process.exit(3);
`);
    const r = await execa("bash", [script], { reject: false });
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(readFileSync(path.join(dir, "seen.json"), "utf8"))).toEqual({ cwd: dir, job: path.join(dir, "job.json"), messages: path.join(dir, "messages.jsonl"), lease });
  });

  it("does not start the stage when the run's lease is stale or gone", async () => {
    const { dir, script, lease } = setUp(`import { writeFileSync } from "node:fs"; writeFileSync("started", "");`);
    const old = (Date.now() - LEASE_STALE_MS - 10_000) / 1000;
    utimesSync(lease, old, old);
    const r = await execa("bash", [script], { reject: false });
    expect(r.exitCode).toBe(LEASE_LOST_EXIT);
    expect(r.stderr).toContain("the run that submitted this job is gone");
    expect(existsSync(path.join(dir, "started"))).toBe(false);
  });

  it("kills a running stage once its lease is removed, before it writes", async () => {
    const { dir, script, lease } = setUp(`import { writeFileSync } from "node:fs";
writeFileSync("started", "");
setTimeout(() => writeFileSync("wrote", ""), 8000);
`);
    const job = execa("bash", [script], { reject: false });
    for (let i = 0; i < 100 && !existsSync(path.join(dir, "started")); i++) await new Promise((r) => setTimeout(r, 100));
    const { rmSync } = await import("node:fs");
    rmSync(lease);
    const r = await job;
    expect(r.stderr).toContain("stopping the stage");
    expect(r.exitCode).toBe(137);
    expect(existsSync(path.join(dir, "wrote"))).toBe(false);
  }, 20_000);
});

describe("sbatch flags", () => {
  it("are dag's own, the cluster defaults, the stage's resources, then the extra flags as written", () => {
    const flags = sbatchFlags("ridge[alpha=0.1]", "/p/.dag/tmp/x/log.txt", "/p", { partition: "gpu", account: "lab", qos: "short", sbatch: ["--constraint=avx2"] }, { cpus: 4, mem: "16G", time: "2:00:00", gpus: "a100:1" });
    expect(flags).toEqual([
      "--job-name=dag:ridge[alpha=0.1]",
      "--output=/p/.dag/tmp/x/log.txt",
      "--open-mode=append",
      "--chdir=/p",
      "--export=ALL",
      "--partition=gpu",
      "--account=lab",
      "--qos=short",
      "--cpus-per-task=4",
      "--mem=16G",
      "--time=2:00:00",
      "--gpus=a100:1",
      "--constraint=avx2",
    ]);
    expect(sbatchFlags("a", "/l", "/p", { sbatch: [] }, {})).toHaveLength(5);
  });

  it("quote words for the shell", () => {
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
  });
});
