// End-to-end against a real S3-compatible server (Swift's s3api, started by .ci/run): two clones sharing a bucket, a killed push, a tampered object, and each failure in words.
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { clearRuns, dag, dagWithEnv, read, runsLog, startDag, write } from "./project.js";
import { cloneOf, git, gitProject, remotePipeline } from "./remote-project.js";

// The project's Node is 20 and the pinned SDK supports it; its notice about later releases is noise here.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
const endpoint = process.env["DAG_TEST_S3_ENDPOINT"];
const bucket = process.env["DAG_TEST_S3_BUCKET"];
const fullBucket = process.env["DAG_TEST_S3_FULL_BUCKET"];
if (endpoint === undefined || bucket === undefined) {
  console.log('S3 remote tests skipped: DAG_TEST_S3_ENDPOINT is not set (eval "$(bash .ci/services/s3.sh env)" after .ci/services/s3.sh start)');
}

/** A remote block for a fresh prefix of the test bucket, and that prefix. */
function s3Remote(name = "cloud", inBucket = bucket as string): { yaml: string; prefix: string } {
  const prefix = `t-${randomBytes(6).toString("hex")}`;
  return { yaml: `remote:\n  ${name}:\n    url: s3://${inBucket}/${prefix}\n    endpoint: ${endpoint}\n    force_path_style: true\n`, prefix };
}

function client(): S3Client {
  return new S3Client({ region: "us-east-1", endpoint: endpoint as string, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
}

async function keys(prefix: string): Promise<string[]> {
  const listed = await client().send(new ListObjectsV2Command({ Bucket: bucket as string, Prefix: `${prefix}/` }));
  return (listed.Contents ?? []).map((o) => (o.Key as string).slice(prefix.length + 1)).sort();
}

describe.skipIf(endpoint === undefined || bucket === undefined)("an S3 remote (real server)", () => {
  it("two clones: A runs and pushes; B pulls and runs nothing with identical outputs; B's variant comes back to A", async () => {
    const { yaml, prefix } = s3Remote();
    const a = await gitProject({ "pipeline.yaml": remotePipeline(yaml) });
    expect((await dag(a, "run")).exitCode).toBe(0);
    const pushed = await dag(a, "push");
    expect(pushed.stderr).toBe("");
    expect(pushed.stdout).toMatch(/pushed 3 entries to cloud \(s3:\/\/.*\)/);
    const objects = await keys(prefix);
    expect(objects.filter((k) => k.endsWith("manifest.json"))).toHaveLength(3);
    await git(a, "add", "dag.lock");
    await git(a, "commit", "-qm", "lock");

    const b = await cloneOf(a);
    expect((await dag(b, "status")).stdout).toMatch(/^c\s+in remote/m);
    expect((await dag(b, "pull")).exitCode).toBe(0);
    const run = await dag(b, "run");
    expect(run.stdout).toMatch(/0 ran, 3 cached/);
    expect(runsLog(b)).toEqual([]);
    for (const f of ["a/out.txt", "b/out.txt", "c/out.txt", "c/extra.txt"]) expect(read(b, `artifacts/${f}`)).toBe(read(a, `artifacts/${f}`));
    expect(read(b, "dag.lock")).toBe(read(a, "dag.lock"));

    write(b, "pipeline.yaml", read(b, "pipeline.yaml").replace("text: B,", "text: B2,"));
    expect((await dag(b, "run")).exitCode).toBe(0);
    expect((await dag(b, "push")).stdout).toMatch(/pushed 2 entries.*; 1 already there/s);
    await git(b, "commit", "-qam", "B2");
    await git(a, "pull", "-q", "--no-rebase", b, "main");
    clearRuns(a);
    expect((await dag(a, "run", "--pull")).stdout).toMatch(/b\]?\s+pulled \d+ B in/);
    expect(runsLog(a)).toEqual([]);
    expect(read(a, "artifacts/c/out.txt")).toBe("C(B2(A()))");
  });

  it("a push killed midway (multipart upload of a large output) leaves no half entry; the next push completes; a tampered object is detected", async () => {
    const { yaml, prefix } = s3Remote();
    const pipeline = `${yaml}stages:\n  small:\n    module: stages/echo.ts\n    params: { text: S }\n    outs: [out.txt]\n  big:\n    module: stages/bytes.ts\n    params: { bytes: 60000000 }\n    outs: [one.bin, two.bin]\n`;
    const a = await gitProject({ "pipeline.yaml": pipeline });
    expect((await dag(a, "run")).exitCode).toBe(0);
    const push = startDag(a, "push");
    let seen = "";
    push.stdout?.on("data", (chunk: Buffer) => (seen += chunk.toString()));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !/small [0-9a-f]{10}\s+pushed/.test(seen)) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 300));
    push.kill("SIGKILL");
    await push;
    const manifests = (await keys(prefix)).filter((k) => k.endsWith("manifest.json"));
    expect(manifests.some((k) => k.startsWith("entries/small/"))).toBe(true);
    expect(manifests.some((k) => k.startsWith("entries/big/"))).toBe(false);
    const again = await dag(a, "push");
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/pushed 1 entry .*; 1 already there/s);
    // gc --remote lists incomplete multipart uploads too (those younger than an hour are left alone).
    const gc = await dag(a, "gc", "--remote", "--dry-run");
    expect(gc.stderr).toBe("");
    expect(gc.stdout).toMatch(/would free .*; kept 2 entries/);

    const b = await cloneOf(a);
    expect((await dag(b, "pull")).exitCode).toBe(0);
    const bigDir = path.join(b, ".dag/entries/big");
    const [entry] = readdirSync(bigDir);
    expect(readFileSync(path.join(bigDir, entry as string, "outs/two.bin")).equals(readFileSync(path.join(a, "artifacts/big/two.bin")))).toBe(true);

    // Tamper: replace the small stage's blob with other bytes.
    const s3 = client();
    const blobs = (await keys(prefix)).filter((k) => k.startsWith("blobs/"));
    for (const blob of blobs) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket as string, Key: `${prefix}/${blob}` }));
      if ((await got.Body?.transformToString()) === "S()") await s3.send(new PutObjectCommand({ Bucket: bucket as string, Key: `${prefix}/${blob}`, Body: "X()" }));
    }
    const c = await cloneOf(a);
    const pulled = await dag(c, "pull", "small");
    expect(pulled.exitCode).toBe(1);
    expect(pulled.stdout).toMatch(/small [0-9a-f]{10}\s+failed: the remote copy is damaged \(blobs\/.* hashes to sha256:[0-9a-f]{64}, expected sha256:[0-9a-f]{64}\)/);
    expect(existsSync(path.join(c, ".dag/entries/small"))).toBe(false);
  });

  it("says in words what is wrong: bad credentials, no rights, no bucket, unreachable endpoint, over quota; the local cache stays whole", async () => {
    const { yaml } = s3Remote();
    const a = await gitProject({ "pipeline.yaml": remotePipeline(yaml) });
    expect((await dag(a, "run")).exitCode).toBe(0);
    const badKey = await dagWithEnv(a, { AWS_SECRET_ACCESS_KEY: "not-the-secret" }, "push");
    expect(badKey.exitCode).toBe(1);
    expect(badKey.stderr).toMatch(/dag push: remote cloud \(s3:\/\/.*\) rejects the credentials \(.*SignatureDoesNotMatch.*\); dag reads credentials from the standard AWS chain/);
    const reader = await dagWithEnv(a, { AWS_ACCESS_KEY_ID: "dag:reader", AWS_SECRET_ACCESS_KEY: "dag-test-secret-reader" }, "push");
    expect(reader.exitCode).toBe(1);
    expect(reader.stderr).toMatch(/remote cloud .* denies access .*; these credentials may not use bucket dag-test: ask for read and write rights/);
    write(a, "dag.local.yaml", `remote:\n  cloud:\n    url: s3://dag-no-such-bucket/x\n`);
    expect((await dag(a, "push")).stderr).toMatch(/remote cloud \(s3:\/\/dag-no-such-bucket\/x\/ .*\) has no such bucket .*; create bucket dag-no-such-bucket, or fix the url/);
    write(a, "dag.local.yaml", `remote:\n  cloud:\n    endpoint: http://127.0.0.1:9\n`);
    const down = await dag(a, "push");
    expect(down.stderr).toMatch(/remote cloud .* cannot be reached \(.*ECONNREFUSED.*\); check that the server is up and that its endpoint/);
    const readThrough = await dag(a, "run", "--pull", "--force", "a");
    expect(readThrough.exitCode).toBe(0);
    write(a, "dag.local.yaml", "");
    const status = await dag(a, "status");
    expect(status.stdout).not.toMatch(/stale|never run/);

    if (fullBucket !== undefined) {
      const full = s3Remote("full", fullBucket);
      const pipeline = `${full.yaml}stages:\n  big:\n    module: stages/bytes.ts\n    params: { bytes: 2000000 }\n    outs: [data.bin]\n`;
      const q = await gitProject({ "pipeline.yaml": pipeline });
      expect((await dag(q, "run")).exitCode).toBe(0);
      const over = await dag(q, "push");
      expect(over.exitCode).toBe(1);
      expect(over.stderr).toMatch(/remote full .* is over its quota \(upload blobs\/.*\); the remote is full: free space \(dag gc --remote/);
      expect((await dag(q, "status")).stdout).toMatch(/^big\s+cached/m);
    }
  });
});
