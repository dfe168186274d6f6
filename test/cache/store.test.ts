// Tests of the store: commit/lookup round trip, failed commits, corrupt entries, concurrent commits, listing.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hashBytes, stageKeyFromText, type StageKey } from "../../cache/digest.js";
import { StatCache } from "../../cache/stat-cache.js";
import { CacheStore, type PendingEntry } from "../../cache/store.js";
import { sweepTmp } from "../../cache/store-maintenance.js";

const base = mkdtempSync(path.join(tmpdir(), "dag-store-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let counter = 0;

async function project(): Promise<{ root: string; dagDir: string; store: CacheStore; reads: string[] }> {
  const root = path.join(base, `p${++counter}`);
  mkdirSync(root, { recursive: true });
  const dagDir = path.join(root, ".dag");
  const reads: string[] = [];
  const store = new CacheStore(dagDir, await StatCache.open(dagDir, { onHashFile: (event) => reads.push(event.path) }));
  return { root, dagDir, store, reads };
}

function key(text: string): StageKey {
  return stageKeyFromText(text);
}

function value<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/** Plays a stage: writes the given files into the pending entry's outs/ and a line to its log. */
function play(pending: PendingEntry, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(pending.outDir, ...name.split("/"));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  writeFileSync(pending.logFile, `wrote ${Object.keys(files).join(", ")}\n`, { flag: "a" });
}

describe("commit and lookup", () => {
  it("round-trips an entry: outputs, manifest, log, read-only files", async () => {
    const { dagDir, store } = await project();
    const k = key("pca-1");
    expect(await store.lookup("pca", k)).toEqual({ ok: false, error: { reason: "absent" } });
    const pending = value(await store.begin("pca", k));
    expect(path.dirname(pending.dir)).toBe(path.join(dagDir, "tmp"));
    expect(path.basename(pending.dir)).toMatch(new RegExp(`^pca-${k}-[0-9a-f]+$`));
    play(pending, { "mean.npy": "mean", "plots/a.txt": "A", "plots/b.txt": "BB" });
    const record = { inputs: { images: "sha256:…" }, metrics: { mrr: 0.5 } };
    const committed = value(await store.commit(pending, ["mean.npy", "plots"], record));
    expect(committed.reused).toBe(false);
    expect(committed.undeclared).toEqual([]);
    expect(committed.dir).toBe(path.join(dagDir, "entries", "pca", k));
    expect(existsSync(pending.dir)).toBe(false);

    const found = value(await store.lookup("pca", k));
    expect(found.manifest).toEqual({
      version: 1,
      stage: "pca",
      key: k,
      createdAt: committed.manifest.createdAt,
      outputs: {
        "mean.npy": { hash: hashBytes("mean"), size: 4 },
        plots: { hash: expect.stringMatching(/^sha256:/), size: 3 },
      },
      record,
    });
    expect(JSON.parse(readFileSync(found.manifestFile, "utf8"))).toEqual(found.manifest);
    expect(readFileSync(path.join(found.outDir, "mean.npy"), "utf8")).toBe("mean");
    expect(readFileSync(found.logFile, "utf8")).toBe("wrote mean.npy, plots/a.txt, plots/b.txt\n");
    expect(statSync(path.join(found.outDir, "mean.npy")).mode & 0o777).toBe(0o444);
    expect(statSync(path.join(found.outDir, "plots", "b.txt")).mode & 0o777).toBe(0o444);
    expect(readdirSync(path.join(dagDir, "tmp"))).toEqual([]);
  });

  it("verifies a hit from the stat cache without re-reading outputs", async () => {
    const { store, reads } = await project();
    const pending = value(await store.begin("load", key("load")));
    play(pending, { "images.npy": "x".repeat(100_000) });
    value(await store.commit(pending, ["images.npy"], null));
    expect(reads).toHaveLength(1);
    value(await store.lookup("load", key("load")));
    value(await store.lookup("load", key("load")));
    expect(reads).toHaveLength(1);
  });

  it("reports undeclared files the stage left in outs/", async () => {
    const { store } = await project();
    const pending = value(await store.begin("ridge", key("r")));
    play(pending, { "W.npy": "w", "scratch/tmp.bin": "t" });
    const committed = value(await store.commit(pending, ["W.npy"], {}));
    expect(committed.undeclared).toEqual(["scratch/tmp.bin"]);
  });

  it("fails a commit that misses outputs, naming each one, and leaves no entry but a kept log", async () => {
    const { dagDir, store } = await project();
    const k = key("export");
    const pending = value(await store.begin("export", k));
    play(pending, { "submission.csv": "id,embedding\n" });
    const result = await store.commit(pending, ["submission.csv", "a.json", "b/c.npy"], {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.reason).toBe("missing-outputs");
    expect(result.error.reason === "missing-outputs" && result.error.missing).toEqual(["a.json", "b/c.npy"]);
    expect(path.dirname(result.error.logFile)).toBe(path.join(dagDir, "logs"));
    expect(path.basename(result.error.logFile)).toMatch(/^export-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.log$/);
    expect(readFileSync(result.error.logFile, "utf8")).toBe("wrote submission.csv\n");
    expect(existsSync(path.join(dagDir, "entries", "export", k))).toBe(false);
    expect(readdirSync(path.join(dagDir, "tmp"))).toEqual([]);
    expect(await store.lookup("export", k)).toEqual({ ok: false, error: { reason: "absent" } });
    expect(await store.discard(pending)).toBe(result.error.logFile);
  });

  it("refuses output paths that leave outs/", async () => {
    const { store } = await project();
    const pending = value(await store.begin("bad", key("bad")));
    const result = await store.commit(pending, ["../escape", "ok.npy"], {});
    expect(result.ok === false && result.error.reason).toBe("invalid-outputs");
    expect(result.ok === false && result.error.reason === "invalid-outputs" && result.error.invalid.map((i) => i.output)).toEqual(["../escape"]);
  });

  it("throws on a key that is not filesystem safe", async () => {
    const { store } = await project();
    await expect(store.begin("pca", "../../x" as StageKey)).rejects.toThrow(/invalid stage key/);
    await expect(store.lookup("../pca", key("k"))).rejects.toThrow(/invalid stage name/);
  });
});

describe("discard and sweepTmp", () => {
  it("discard moves the log to .dag/logs, removes the tmp folder and returns the log path", async () => {
    const { dagDir, store } = await project();
    const pending = value(await store.begin("finetune", key("f")));
    writeFileSync(pending.logFile, "epoch 1\nKilled\n");
    writeFileSync(path.join(pending.outDir, "partial.bin"), "half");
    const logFile = await store.discard(pending);
    expect(path.dirname(logFile)).toBe(path.join(dagDir, "logs"));
    expect(readFileSync(logFile, "utf8")).toBe("epoch 1\nKilled\n");
    expect(existsSync(pending.dir)).toBe(false);
    expect(await store.discard(pending)).toBe(logFile);
    expect(await store.lookup("finetune", key("f"))).toEqual({ ok: false, error: { reason: "absent" } });
  });

  it("a tmp folder left by a dead run is not an entry, and sweepTmp removes it but not open ones", async () => {
    const { dagDir, store } = await project();
    const k = key("crashed");
    const crashed = path.join(dagDir, "tmp", `pca-${k}-deadbeef`);
    mkdirSync(path.join(crashed, "outs"), { recursive: true });
    writeFileSync(path.join(crashed, "outs", "mean.npy"), "m");
    writeFileSync(path.join(crashed, "manifest.json"), JSON.stringify({ version: 1, stage: "pca", key: k, createdAt: new Date().toISOString(), outputs: {}, record: null }));
    expect(await store.lookup("pca", k)).toEqual({ ok: false, error: { reason: "absent" } });
    expect(await store.list()).toEqual([]);

    const open = value(await store.begin("pca", k));
    expect(await sweepTmp(store)).toEqual([crashed]);
    expect(readdirSync(path.join(dagDir, "tmp"))).toEqual([path.basename(open.dir)]);
    play(open, { "mean.npy": "m" });
    value(await store.commit(open, ["mean.npy"], null));
  });

  it("sweepTmp removes old temporary files of interrupted atomic writes", async () => {
    const { dagDir, store } = await project();
    mkdirSync(dagDir, { recursive: true });
    const stray = path.join(dagDir, ".lock.0123456789ab.dag-tmp");
    const fresh = path.join(dagDir, ".stat-cache.json.ba9876543210.dag-tmp");
    writeFileSync(stray, "x");
    writeFileSync(fresh, "y");
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(stray, old, old);
    expect(await sweepTmp(store)).toEqual([stray]);
    expect(existsSync(fresh)).toBe(true);
  });
});

describe("corrupt entries", () => {
  async function committedEntry(files: Record<string, string>) {
    const setup = await project();
    const k = key(JSON.stringify(files));
    const pending = value(await setup.store.begin("load", k));
    play(pending, files);
    const entry = value(await setup.store.commit(pending, Object.keys(files), null));
    return { ...setup, k, entry };
  }

  it("an edited output makes the entry a corrupt miss, moved aside to .dag/corrupt", async () => {
    const { dagDir, store, k, entry } = await committedEntry({ "labels.npy": "0123456789" });
    const file = path.join(entry.outDir, "labels.npy");
    chmodSync(file, 0o644);
    writeFileSync(file, "0123456780");
    const miss = await store.lookup("load", k);
    expect(miss.ok).toBe(false);
    if (miss.ok || miss.error.reason !== "corrupt") throw new Error("expected a corrupt miss");
    expect(miss.error.detail).toMatch(/^labels\.npy does not match its manifest \(it hashes to/);
    expect(miss.error.movedTo).toBeDefined();
    expect(path.dirname(miss.error.movedTo as string)).toBe(path.join(dagDir, "corrupt"));
    expect(readFileSync(path.join(miss.error.movedTo as string, "outs", "labels.npy"), "utf8")).toBe("0123456780");
    expect(existsSync(entry.dir)).toBe(false);
    expect(await store.lookup("load", k)).toEqual({ ok: false, error: { reason: "absent" } });

    const again = value(await store.begin("load", k));
    play(again, { "labels.npy": "0123456789" });
    value(await store.commit(again, ["labels.npy"], null));
    value(await store.lookup("load", k));
  });

  it("an output of another size is corrupt, naming both sizes", async () => {
    const { store, k, entry } = await committedEntry({ "a.npy": "abc" });
    chmodSync(path.join(entry.outDir, "a.npy"), 0o644);
    writeFileSync(path.join(entry.outDir, "a.npy"), "abcd");
    const miss = await store.lookup("load", k);
    expect(!miss.ok && miss.error.reason === "corrupt" && miss.error.detail).toBe("a.npy does not match its manifest (4 bytes, the manifest says 3)");
  });

  it("a deleted output is corrupt", async () => {
    const { store, k, entry } = await committedEntry({ "a.npy": "abc", "b.npy": "b" });
    rmSync(path.join(entry.outDir, "b.npy"));
    const miss = await store.lookup("load", k);
    expect(!miss.ok && miss.error.reason === "corrupt" && miss.error.detail).toBe("b.npy is missing");
  });

  it("a deleted manifest is corrupt", async () => {
    const { store, k, entry } = await committedEntry({ "a.npy": "abc" });
    rmSync(entry.manifestFile);
    const miss = await store.lookup("load", k);
    expect(!miss.ok && miss.error.reason === "corrupt" && miss.error.detail).toBe("manifest.json is missing");
    expect(existsSync(entry.dir)).toBe(false);
  });

  it("an unparseable manifest is corrupt", async () => {
    const { store, k, entry } = await committedEntry({ "a.npy": "abc" });
    writeFileSync(entry.manifestFile, "{ half");
    const miss = await store.lookup("load", k);
    expect(!miss.ok && miss.error.reason === "corrupt" && miss.error.detail).toMatch(/^manifest\.json is not valid JSON/);
  });
});

describe("concurrent identical commits", () => {
  it("keep one entry and discard the other run", async () => {
    const { dagDir, store } = await project();
    const other = new CacheStore(dagDir, await StatCache.open(dagDir));
    const k = key("same");
    const a = value(await store.begin("pca", k));
    const b = value(await other.begin("pca", k));
    play(a, { "mean.npy": "m" });
    play(b, { "mean.npy": "m" });
    const [ra, rb] = await Promise.all([store.commit(a, ["mean.npy"], { run: "a" }), other.commit(b, ["mean.npy"], { run: "b" })]);
    const results = [value(ra), value(rb)];
    expect(results.map((r) => r.reused).sort()).toEqual([false, true]);
    expect(results[0]?.manifest).toEqual(results[1]?.manifest);
    expect(readdirSync(path.join(dagDir, "entries", "pca"))).toEqual([k]);
    expect(readdirSync(path.join(dagDir, "tmp"))).toEqual([]);
    value(await store.lookup("pca", k));
  });
});

describe("list", () => {
  it("lists entries of one stage or all, oldest first, skipping unreadable ones", async () => {
    const { store } = await project();
    const made = [];
    for (const [stage, name] of [["pca", "1"], ["ridge", "2"], ["pca", "3"]] as const) {
      const pending = value(await store.begin(stage, key(name)));
      play(pending, { "out.bin": name });
      made.push(value(await store.commit(pending, ["out.bin"], { n: name })));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const all = await store.list();
    expect(all.map((e) => [e.stage, e.key])).toEqual(made.map((e) => [e.stage, e.key]));
    expect((await store.list("pca")).map((e) => e.manifest.record)).toEqual([{ n: "1" }, { n: "3" }]);
    writeFileSync((made[1] as { manifestFile: string }).manifestFile, "not json");
    expect((await store.list()).map((e) => e.key)).toEqual([key("1"), key("3")]);
    expect(await store.list("export")).toEqual([]);
  });
});
