// The remote: block and dag.local.yaml: parsing into remote specs, the local file laid over the shared one, positioned errors.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readRemotes } from "../../runner/config/check-remote.js";
import { readYaml } from "../../runner/config/read-yaml.js";
import { lockFileOf, formatLock, nextLock, type PipelineLock } from "../../runner/pipeline-lock.js";

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function remotesOf(yaml: string, local?: string) {
  const root = await mkdtemp(path.join(os.tmpdir(), "dag-remote-config-"));
  made.push(root);
  if (local !== undefined) await writeFile(path.join(root, "dag.local.yaml"), local);
  const source = readYaml(yaml, "pipeline.yaml");
  return readRemotes((source.value as Record<string, unknown>)["remote"], source, root);
}

describe("remote config", () => {
  it("reads folder and S3 remotes; the only remote is the default", async () => {
    const one = await remotesOf("remote:\n  team: { url: shared/cache }\n");
    expect(one.errors).toEqual([]);
    expect(one.settings.default).toBe("team");
    expect((one.settings.remotes.get("team") as { path: string }).path).toMatch(/\/shared\/cache$/);
    const s3 = await remotesOf("remote:\n  default: cloud\n  team: { url: /mnt/x }\n  cloud:\n    url: s3://bkt/some/prefix/\n    region: eu-west-1\n    endpoint: http://127.0.0.1:9000\n    force_path_style: true\n");
    expect(s3.errors).toEqual([]);
    expect(s3.settings.default).toBe("cloud");
    expect(s3.settings.remotes.get("cloud")).toEqual({ name: "cloud", kind: "s3", bucket: "bkt", prefix: "some/prefix/", endpoint: "http://127.0.0.1:9000", region: "eu-west-1", forcePathStyle: true, readThrough: false, writeThrough: false });
  });

  it("dag.local.yaml overrides field by field, adds remotes and picks the default", async () => {
    const r = await remotesOf("remote:\n  cloud: { url: s3://bkt/p, region: us-east-1 }\n", "remote:\n  default: lab\n  cloud: { endpoint: http://localhost:9000 }\n  lab: { url: /mnt/lab, read_through: true }\n");
    expect(r.errors).toEqual([]);
    expect(r.settings.remotes.get("lab")).toMatchObject({ readThrough: true, writeThrough: false });
    expect(r.settings.default).toBe("lab");
    expect(r.settings.remotes.get("cloud")).toMatchObject({ bucket: "bkt", region: "us-east-1", endpoint: "http://localhost:9000" });
  });

  it("positions every problem, in both files", async () => {
    const r = await remotesOf("remote:\n  default: clod\n  cloud: { url: ftp://x/y }\n  bad name: { url: /x }\n  team: { path: /x }\n", "remote:\n  cloud: { force_path_style: yes }\nother: 1\n");
    const shown = r.errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.message}${e.hint === undefined ? "" : ` (${e.hint})`}`);
    expect(shown).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^pipeline\.yaml:2:12 default remote "clod" is not configured \(did you mean "cloud"\?\)$/),
        expect.stringMatching(/^pipeline\.yaml:3:17 remote "cloud" has url ftp:\/\/x\/y: dag knows folders and s3:\/\/ buckets/),
        expect.stringMatching(/^pipeline\.yaml:4:3 remote name "bad name" is not a name/),
        expect.stringMatching(/^pipeline\.yaml:5:11 unknown key "path" in remote "team"/),
        expect.stringMatching(/dag\.local\.yaml:2:30 "force_path_style" of remote "cloud" must be true or false$/),
        expect.stringMatching(/dag\.local\.yaml:3:1 unknown key "other" in dag\.local\.yaml/),
      ]),
    );
  });
});

describe("the lock file", () => {
  const row = (key: string, metric: number) => ({ stage: "b", key, params: { z: 1, a: { y: 2, x: 3 } }, inputs: {}, code: {}, outputs: {}, metrics: { m: metric } }) as unknown as PipelineLock["stages"][string];

  it("is named after its pipeline file", () => {
    expect(lockFileOf("/p/pipeline.yaml")).toBe("/p/dag.lock");
    expect(lockFileOf("/p/experiments/wide.yaml")).toBe("/p/experiments/wide.lock");
  });

  it("formats the same content to the same bytes whatever the key order, sorted at every level", () => {
    const one = formatLock({ version: 1, stages: { b: row("k1", 1), a: row("k0", 2) } });
    const other = formatLock({ stages: { a: row("k0", 2), b: row("k1", 1) }, version: 1 });
    expect(one).toBe(other);
    expect(one.indexOf("  a:")).toBeLessThan(one.indexOf("  b:"));
    expect(one).toMatch(/a:\n\s+x: 3\n\s+y: 2\n\s+z: 1/);
  });

  it("keeps the rows of stages that did not resolve, and drops stages the pipeline no longer has", () => {
    const previous: PipelineLock = { version: 1, stages: { a: row("old-a", 1), gone: row("g", 1) } };
    const next = nextLock(["a", "b"], new Map(), previous);
    expect(Object.keys(next.stages)).toEqual(["a"]);
    expect(next.stages["a"]?.key).toBe("old-a");
  });
});
