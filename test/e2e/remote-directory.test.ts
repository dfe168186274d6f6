// End-to-end: teams sharing results through a folder remote — two clones of one project, the lock in git, push/pull, read- and write-through, a killed push, a tampered object, config errors.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clearRuns, dag, read, runsLog, startDag, write } from "./project.js";
import { cloneOf, filesBelow, git, gitProject, halfEntries, remotePipeline } from "./remote-project.js";

function folderRemote(): string {
  return mkdtempSync(path.join(os.tmpdir(), "dag-remote-"));
}

const outputsOf = (dir: string): Record<string, string> =>
  Object.fromEntries(["a/out.txt", "b/out.txt", "c/out.txt", "c/extra.txt"].map((f) => [f, read(dir, `artifacts/${f}`)]));

describe("a folder remote", () => {
  it("two clones: A runs and pushes; B pulls and runs nothing; B changes a param and pushes; A pulls B's variant", async () => {
    const remote = folderRemote();
    const a = await gitProject({ "pipeline.yaml": remotePipeline(`remote:\n  team: { url: ${remote} }`) });
    expect((await dag(a, "run")).exitCode).toBe(0);
    const pushed = await dag(a, "push");
    expect(pushed.stderr).toBe("");
    expect(pushed.exitCode).toBe(0);
    expect(pushed.stdout).toMatch(/pushed 3 entries to team \(.*\): \d+ B in/);
    expect(halfEntries(remote)).toEqual([]);
    await git(a, "add", "dag.lock");
    await git(a, "commit", "-qm", "lock");
    expect((await dag(a, "push")).stdout).toMatch(/pushed 0 entries .*; 3 already there/);

    const b = await cloneOf(a);
    const fresh = await dag(b, "status");
    expect(fresh.exitCode).toBe(0);
    expect(fresh.stdout).toMatch(/^a\s+in remote/m);
    expect(fresh.stdout).toMatch(/^b\s+in remote/m);
    expect(fresh.stdout).toMatch(/^c\s+in remote/m);
    expect(existsSync(path.join(b, ".dag/entries"))).toBe(false);
    const pulled = await dag(b, "pull");
    expect(pulled.exitCode).toBe(0);
    expect(pulled.stdout).toMatch(/pulled 3 entries from team/);
    const run = await dag(b, "run");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/0 ran, 3 cached/);
    expect(runsLog(b)).toEqual([]);
    expect(outputsOf(b)).toEqual(outputsOf(a));
    expect(read(b, "dag.lock")).toBe(read(a, "dag.lock"));
    expect(await git(b, "status", "--porcelain")).toBe("");
    const status = await dag(b, "status");
    expect(status.stdout).not.toMatch(/in remote|stale/);
    expect(status.stderr).toBe("");

    write(b, "pipeline.yaml", read(b, "pipeline.yaml").replace("text: B,", "text: B2,"));
    expect((await dag(b, "run", "--push")).stdout).toMatch(/pushed 2 entries \(\d+ B\) to team/);
    expect(runsLog(b)).toEqual(["b", "c"]);
    await git(b, "commit", "-qam", "b: text B2");

    await git(a, "pull", "-q", "--no-rebase", b, "main");
    clearRuns(a);
    expect((await dag(a, "status")).stdout).toMatch(/^b\s+in remote/m);
    const again = await dag(a, "pull");
    expect(again.stdout).toMatch(/pulled 2 entries from team.*; 1 already here/s);
    expect((await dag(a, "run")).stdout).toMatch(/0 ran, 3 cached/);
    expect(runsLog(a)).toEqual([]);
    expect(read(a, "artifacts/c/out.txt")).toBe("C(B2(A()))");
    expect(read(a, "dag.lock")).toBe(read(b, "dag.lock"));
  });

  it("dag run --pull downloads a miss the remote has (the row says pulled) and computes what it lacks; a remote that is down is a warning", async () => {
    const remote = folderRemote();
    const a = await gitProject({ "pipeline.yaml": remotePipeline(`remote:\n  team: { url: ${remote} }`) });
    expect((await dag(a, "run", "a", "b", "--push")).exitCode).toBe(0);
    const b = await cloneOf(a);
    const run = await dag(b, "run", "--pull");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/a\]?\s+pulled 3 B in \d+\.\ds/);
    expect(run.stdout).toMatch(/b\]?\s+pulled \d+ B in/);
    expect(runsLog(b)).toEqual(["c"]);

    // The same through the config switch: a plain dag run reads through.
    const switched = await cloneOf(a);
    write(switched, "dag.local.yaml", "remote:\n  team: { read_through: true }\n");
    expect((await dag(switched, "run")).stdout).toMatch(/a\]?\s+pulled 3 B in/);
    expect(runsLog(switched)).toEqual(["c"]);

    const c = await cloneOf(a);
    write(c, "dag.local.yaml", "remote:\n  team: { url: /nonexistent/dag-remote }\n");
    const down = await dag(c, "run", "--pull");
    expect(down.exitCode).toBe(0);
    expect(down.stdout + down.stderr).toMatch(/warning: remote team \(\/nonexistent\/dag-remote\) has no such folder .*mkdir -p \/nonexistent\/dag-remote.*; stages are computed instead/);
    expect(runsLog(c)).toEqual(["a", "b", "c"]);
    const push = await dag(c, "push");
    expect(push.exitCode).toBe(1);
    expect(push.stderr).toMatch(/dag push: remote team .* has no such folder/);
  });

  it("identical content is stored once across stages and variants", async () => {
    const remote = folderRemote();
    const yaml = `remote:\n  team: { url: ${remote} }\nstages:\n  one:\n    module: stages/echo.ts\n    params: { text: same }\n    outs: [out.txt]\n  two:\n    module: stages/echo.ts\n    params: { text: same }\n    outs: [out.txt, copy.txt]\n`;
    const a = await gitProject({ "pipeline.yaml": yaml });
    expect((await dag(a, "run")).exitCode).toBe(0);
    const pushed = await dag(a, "push");
    expect(pushed.exitCode).toBe(0);
    expect(pushed.stdout).toMatch(/identical files not sent again/);
    expect(filesBelow(remote, "blobs")).toHaveLength(1);
  });

  it("a push killed midway leaves no half entry; the next push completes it", async () => {
    const remote = folderRemote();
    const yaml = `remote:\n  team: { url: ${remote} }\nstages:\n  big:\n    module: stages/bytes.ts\n    params: { bytes: 100000000 }\n    outs: [one.bin, two.bin, three.bin]\n`;
    const a = await gitProject({ "pipeline.yaml": yaml });
    expect((await dag(a, "run")).exitCode).toBe(0);
    const push = startDag(a, "push");
    const tmp = path.join(remote, ".tmp");
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(existsSync(tmp) && readdirSync(tmp).some((f) => statSync(path.join(tmp, f)).size > 0))) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    push.kill("SIGKILL");
    await push;
    expect(filesBelow(remote).filter((f) => f.endsWith("manifest.json"))).toEqual([]);
    expect(halfEntries(remote)).toEqual([]);
    const b = await cloneOf(a);
    expect((await dag(b, "pull")).stdout).toMatch(/not in the remote/);
    const again = await dag(a, "push");
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/pushed 1 entry/);
    expect(halfEntries(remote)).toEqual([]);
    expect((await dag(b, "pull")).exitCode).toBe(0);
    // The killed push's temporary file stays hidden in .tmp/ until gc --remote sweeps it (once it is an hour old).
    const leftovers = filesBelow(remote, ".tmp");
    expect(leftovers.length).toBeGreaterThan(0);
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    for (const f of leftovers) utimesSync(path.join(remote, f), old, old);
    expect((await dag(a, "gc", "--remote", "--dry-run")).stdout).toMatch(/would remove \d+ unfinished uploads? of killed pushes\n.*kept 1 entry/);
    expect(filesBelow(remote, ".tmp")).toEqual(leftovers);
    expect((await dag(a, "gc", "--remote")).stdout).toMatch(/removed \d+ unfinished uploads? of killed pushes/);
    expect(filesBelow(remote, ".tmp")).toEqual([]);
    const entries = readdirSync(path.join(b, ".dag/entries/big"));
    expect(entries).toHaveLength(1);
    expect(readFileSync(path.join(b, ".dag/entries/big", entries[0] as string, "outs/two.bin")).equals(readFileSync(path.join(a, "artifacts/big/two.bin")))).toBe(true);
  });

  it("a tampered or truncated remote object is reported and never becomes an entry", async () => {
    const remote = folderRemote();
    const a = await gitProject({ "pipeline.yaml": remotePipeline(`remote:\n  team: { url: ${remote} }`) });
    expect((await dag(a, "run", "--push")).exitCode).toBe(0);
    const blobOf = (text: string): string => {
      const found = filesBelow(remote, "blobs").find((f) => readFileSync(path.join(remote, f), "utf8") === text);
      if (found === undefined) throw new Error(`no blob holds ${text}`);
      return path.join(remote, found);
    };
    const bBlob = blobOf("B(A())");
    chmodSync(bBlob, 0o644);
    writeFileSync(bBlob, "B(X())");
    const b = await cloneOf(a);
    const pulled = await dag(b, "pull");
    expect(pulled.exitCode).toBe(1);
    expect(pulled.stdout).toMatch(/b [0-9a-f]{10}\s+failed: the remote copy is damaged \(blobs\/[0-9a-f]{2}\/[0-9a-f]{64} hashes to sha256:[0-9a-f]{64}, expected sha256:[0-9a-f]{64}\); it was not used/);
    expect(existsSync(path.join(b, ".dag/entries/b"))).toBe(false);
    const run = await dag(b, "run", "--pull");
    expect(run.exitCode).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/stage b: the copy of [0-9a-f]{10} in remote team is damaged/);
    // b is recomputed; its honest output is the content c's remote entry was keyed by, so c is pulled.
    expect(runsLog(b)).toEqual(["b"]);
    expect(run.stdout).toMatch(/c\]?\s+pulled/);
    expect(read(b, "artifacts/c/out.txt")).toBe("C(B(A()))");

    writeFileSync(blobOf("A()"), "A(");
    const c = await cloneOf(a);
    expect((await dag(c, "pull", "a")).stdout).toMatch(/has 2 bytes, the manifest says 3/);
    expect(existsSync(path.join(c, ".dag/entries/a"))).toBe(false);

    // A file list naming something outside the blobs is refused before anything is read.
    const [aKey] = readdirSync(path.join(remote, "entries/a"));
    writeFileSync(path.join(remote, "entries/a", aKey as string, "files.json"), JSON.stringify({ "out.txt": [["", "sha256:../../../../etc/passwd", 3]] }));
    expect((await dag(c, "pull", "a")).stdout).toMatch(/files\.json has a malformed row for out\.txt/);
    expect(existsSync(path.join(c, ".dag/entries/a"))).toBe(false);
  });

  it("remote config is checked with line and column, dag.local.yaml overrides it, and a missing remote is a usage error", async () => {
    const bad = await gitProject({ "pipeline.yaml": remotePipeline("remote:\n  default: tema\n  team:\n    url: /tmp/x\n    regoin: us-east-1") });
    const r = await dag(bad, "status");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/pipeline\.yaml:2:12 error: default remote "tema" is not configured\n[\s\S]*hint: did you mean "team"\?/);
    expect(r.stderr).toMatch(/pipeline\.yaml:5:5 error: unknown key "regoin" in remote "team"[\s\S]*hint: did you mean "region"\?/);

    const none = await gitProject({ "pipeline.yaml": remotePipeline("") });
    const push = await dag(none, "push");
    expect(push.exitCode).toBe(2);
    expect(push.stderr).toMatch(/no remote is configured: add one to pipeline\.yaml/);

    const remote = folderRemote();
    const local = await gitProject({ "pipeline.yaml": remotePipeline("remote:\n  team: { url: /nonexistent/shared }\n  other: { url: s3://bucket/dag }") });
    expect((await dag(local, "push")).stderr).toMatch(/several remotes \(other, team\) and no default/);
    write(local, "dag.local.yaml", `remote:\n  default: team\n  team:\n    url: ${remote}\n`);
    expect((await dag(local, "run")).exitCode).toBe(0);
    const pushed = await dag(local, "push");
    expect(pushed.exitCode).toBe(0);
    expect(filesBelow(remote, "entries")).toHaveLength(9);
    expect(await git(local, "status", "--porcelain")).toBe("?? dag.lock\n".trim());
    write(local, "dag.local.yaml", "remote:\n  team:\n    endpoint: http://127.0.0.1:1\n");
    expect((await dag(local, "status")).stderr).toMatch(/dag\.local\.yaml:3:15 error: "endpoint" is for an s3:\/\/ remote; remote "team" is a folder/);
  });
  it("dag gc --remote drops what the pipeline, its lock and links no longer reach (--dry-run changes nothing); what stays still pulls", async () => {
    const remote = folderRemote();
    const a = await gitProject({ "pipeline.yaml": remotePipeline(`remote:\n  team: { url: ${remote} }`) });
    expect((await dag(a, "run", "--push")).exitCode).toBe(0);
    const original = read(a, "pipeline.yaml");
    write(a, "pipeline.yaml", original.replace("text: B,", "text: B2,"));
    expect((await dag(a, "run", "--push")).exitCode).toBe(0);
    write(a, "pipeline.yaml", original);
    expect((await dag(a, "run")).stdout).toMatch(/0 ran, 3 cached/);
    const before = filesBelow(remote);
    const dry = await dag(a, "gc", "--remote", "--dry-run");
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toMatch(/would remove b [0-9a-f]{10}\nwould remove c [0-9a-f]{10}\n/);
    expect(dry.stdout).toMatch(/kept 3 entries/);
    expect(filesBelow(remote)).toEqual(before);
    // Blobs younger than an hour are kept (a push may be under way): age them as an hour-old push would be.
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    for (const f of filesBelow(remote, "blobs")) utimesSync(path.join(remote, f), old, old);
    const gc = await dag(a, "gc", "--remote");
    expect(gc.exitCode).toBe(0);
    expect(gc.stdout).toMatch(/removed b [0-9a-f]{10}\nremoved c [0-9a-f]{10}\nremoved 2 files no kept entry uses/);
    expect(filesBelow(remote).filter((f) => f.endsWith("manifest.json"))).toHaveLength(3);
    expect(halfEntries(remote)).toEqual([]);
    const b = await cloneOf(a);
    expect((await dag(b, "pull")).stdout).toMatch(/pulled 3 entries/);
  });
  it("two machines pushing the same entries at once leave one whole copy and no temporary files; status reads the remote only", async () => {
    const remote = folderRemote();
    const yaml = `remote:\n  team: { url: ${remote} }\nstages:\n  big:\n    module: stages/bytes.ts\n    params: { bytes: 30000000 }\n    outs: [one.bin, two.bin]\n  small:\n    module: stages/echo.ts\n    params: { text: S }\n    outs: [out.txt]\n`;
    const a = await gitProject({ "pipeline.yaml": yaml });
    expect((await dag(a, "run")).exitCode).toBe(0);
    const b = await cloneOf(a);
    expect((await dag(b, "run", "--pull")).exitCode).toBe(0);
    const [first, second] = await Promise.all([startDag(a, "push"), startDag(b, "push")]);
    expect(first.exitCode).toBe(0);
    expect(second.exitCode).toBe(0);
    expect(halfEntries(remote)).toEqual([]);
    expect(filesBelow(remote, ".tmp")).toEqual([]);
    expect(filesBelow(remote).filter((f) => f.endsWith("manifest.json"))).toHaveLength(2);
    const before = filesBelow(remote).map((f) => `${f} ${statSync(path.join(remote, f)).mtimeMs}`);
    const c = await cloneOf(a);
    expect((await dag(c, "status")).stdout).toMatch(/^big\s+in remote/m);
    expect(filesBelow(remote).map((f) => `${f} ${statSync(path.join(remote, f)).mtimeMs}`)).toEqual(before);
    expect(existsSync(path.join(c, ".dag/entries"))).toBe(false);
  });
  it("push and pull take the file's own variants, --sweep every variant of the sweep, --all every entry", async () => {
    const remote = folderRemote();
    const a = await gitProject({ "pipeline.yaml": remotePipeline(`remote:\n  team: { url: ${remote} }`) + "sweep:\n  b.text: [B, B3]\n" });
    expect((await dag(a, "run")).stdout).toMatch(/5 ran/);
    expect((await dag(a, "push")).stdout).toMatch(/pushed 3 entries/);
    expect((await dag(a, "push", "--sweep")).stdout).toMatch(/pushed 2 entries .*; 3 already there/s);
    const b = await cloneOf(a);
    expect((await dag(b, "pull")).stdout).toMatch(/pulled 3 entries/);
    expect((await dag(b, "pull", "--sweep")).stdout).toMatch(/pulled 2 entries .*; 3 already here/s);
    clearRuns(b);
    expect((await dag(b, "run")).stdout).toMatch(/0 ran, 5 cached/);
    const c = await cloneOf(a);
    expect((await dag(c, "pull", "--all")).stdout).toMatch(/pulled 5 entries/);
    expect((await dag(c, "run")).stdout).toMatch(/0 ran, 5 cached/);
    expect(runsLog(c)).toEqual([]);
  });
});
