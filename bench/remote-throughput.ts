// Push and pull throughput of a project's entries through a folder remote and an S3 remote, against `cp` and a bare lib-storage/GetObject script moving the same bytes (medians of 3).
// Usage: node --import tsx bench/remote-throughput.ts A B   (A: a project with its entries computed and a remote named `team`; B: a clone of A)
// S3 runs when DAG_TEST_S3_ENDPOINT and DAG_TEST_S3_BUCKET are set (eval "$(bash .ci/services/s3.sh env)").
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { fmt, median, table } from "./stats.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
const [a, b] = process.argv.slice(2).map((p) => path.resolve(p));
if (a === undefined || b === undefined) throw new Error("usage: remote-throughput.ts PROJECT CLONE");
const CLI = path.resolve(import.meta.dirname, "../dist/runner/cli.js");
const TIMES = 3;

function dag(dir: string, ...args: string[]): number {
  const started = performance.now();
  execFileSync(process.execPath, [CLI, ...args], { cwd: dir, stdio: "ignore", env: { ...process.env, CI: "1" } });
  return (performance.now() - started) / 1000;
}

/** Every output file of the project's entries. */
function outputFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.includes(`${path.sep}outs${path.sep}`)) out.push(p);
    }
  };
  walk(path.join(dir, ".dag/entries"));
  return out;
}

const files = outputFiles(a);
const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
const rows: string[][] = [["what", "median s", "MiB/s", "runs (s)"]];
const row = (what: string, runs: number[]): void => {
  const m = median(runs);
  rows.push([what, fmt(m), (bytes / 1048576 / m).toFixed(0), runs.map((r) => fmt(r, 2)).join(" ")]);
};

// Folder remote.
const push: number[] = [];
const pull: number[] = [];
const cpUp: number[] = [];
const cpDown: number[] = [];
for (let i = 0; i < TIMES; i++) {
  const remote = mkdtempSync(path.join(os.tmpdir(), "bench-remote-"));
  for (const dir of [a, b]) writeFileSync(path.join(dir, "dag.local.yaml"), `remote:\n  team: { url: ${remote} }\n`);
  push.push(dag(a, "push"));
  rmSync(path.join(b, ".dag"), { recursive: true, force: true });
  pull.push(dag(b, "pull"));
  const target = mkdtempSync(path.join(os.tmpdir(), "bench-cp-"));
  let started = performance.now();
  execFileSync("cp", ["--parents", ...files, target]);
  cpUp.push((performance.now() - started) / 1000);
  const back = mkdtempSync(path.join(os.tmpdir(), "bench-cp-"));
  started = performance.now();
  execFileSync("cp", ["-r", path.join(remote, "blobs"), back]);
  cpDown.push((performance.now() - started) / 1000);
  for (const d of [remote, target, back]) rmSync(d, { recursive: true, force: true });
}
row("dag push (folder remote)", push);
row("cp of the output files", cpUp);
row("dag pull (folder remote)", pull);
row("cp -r of the remote's blobs", cpDown);

const endpoint = process.env["DAG_TEST_S3_ENDPOINT"];
const bucket = process.env["DAG_TEST_S3_BUCKET"];
if (endpoint !== undefined && bucket !== undefined) {
  const s3 = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
  const clear = async (prefix: string): Promise<void> => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    for (const o of listed.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key as string }));
    if (listed.IsTruncated === true) await clear(prefix);
  };
  const sPush: number[] = [];
  const sPull: number[] = [];
  const bareUp: number[] = [];
  const bareDown: number[] = [];
  for (let i = 0; i < TIMES; i++) {
    const prefix = `bench-${randomBytes(4).toString("hex")}`;
    for (const dir of [a, b]) writeFileSync(path.join(dir, "dag.local.yaml"), `remote:\n  team:\n    url: s3://${bucket}/${prefix}\n    endpoint: ${endpoint}\n    force_path_style: true\n`);
    sPush.push(dag(a, "push"));
    rmSync(path.join(b, ".dag"), { recursive: true, force: true });
    sPull.push(dag(b, "pull"));
    await clear(`${prefix}/`);
    // The same bytes through lib-storage alone, the same part size and queue as dag's S3 backend, one file after another.
    let started = performance.now();
    for (const [n, f] of files.entries()) {
      await new Upload({ client: s3, params: { Bucket: bucket, Key: `${prefix}-bare/${n}`, Body: createReadStream(f, { highWaterMark: 16 * 1024 * 1024 }) }, partSize: 16 * 1024 * 1024, queueSize: 4 }).done();
    }
    bareUp.push((performance.now() - started) / 1000);
    const back = mkdtempSync(path.join(os.tmpdir(), "bench-get-"));
    started = performance.now();
    for (const n of files.keys()) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}-bare/${n}` }));
      await pipeline(got.Body as Readable, createWriteStream(path.join(back, String(n))));
    }
    bareDown.push((performance.now() - started) / 1000);
    rmSync(back, { recursive: true, force: true });
    await clear(`${prefix}-bare/`);
  }
  row("dag push (S3, Swift on loopback)", sPush);
  row("bare lib-storage upload", bareUp);
  row("dag pull (S3)", sPull);
  row("bare GetObject download", bareDown);
}
for (const dir of [a, b]) rmSync(path.join(dir, "dag.local.yaml"), { force: true });
console.log(`${files.length} output files, ${(bytes / 1048576).toFixed(1)} MiB, ${TIMES} runs each (page cache warm: every file was just written or read)`);
console.log(table(rows));
