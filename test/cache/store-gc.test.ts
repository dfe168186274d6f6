// The store's side of gc: entry sizes, removal in one rename, variant links and their current records.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stageKeyFromText } from "../../cache/digest.js";
import { StatCache } from "../../cache/stat-cache.js";
import { CacheStore } from "../../cache/store.js";

const base = mkdtempSync(path.join(tmpdir(), "dag-store-gc-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let counter = 0;

async function committed(store: CacheStore, stage: string, text: string, files: Record<string, string>) {
  const pending = await store.begin(stage, stageKeyFromText(text));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(pending.outDir, name), content);
  writeFileSync(pending.logFile, "log\n");
  const result = await store.commit(pending, Object.keys(files), { note: text });
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

describe("store for gc", () => {
  it("sizes an entry, removes it in one step (its stage folder too when empty), and says when there was none", async () => {
    const root = path.join(base, `p${++counter}`);
    mkdirSync(root, { recursive: true });
    const dagDir = path.join(root, ".dag");
    const store = new CacheStore(dagDir, await StatCache.open(dagDir));
    const a = await committed(store, "ridge", "a", { "W.npy": "12345", "b.npy": "xy" });
    const b = await committed(store, "ridge", "b", { "W.npy": "1" });
    const manifestBytes = lstatSync(a.manifestFile).size;
    expect(await store.entrySize(a)).toBe(5 + 2 + 4 + manifestBytes);

    expect(await store.remove("ridge", a.key)).toBe(true);
    expect(existsSync(a.dir)).toBe(false);
    expect((await store.lookup("ridge", a.key)).ok).toBe(false);
    expect(readdirSync(path.join(dagDir, "tmp"))).toEqual([]);
    expect(await store.remove("ridge", a.key)).toBe(false);
    expect((await store.list("ridge")).map((e) => e.key)).toEqual([b.key]);
    await store.remove("ridge", b.key);
    expect(existsSync(path.join(dagDir, "entries", "ridge"))).toBe(false);
  });

  it("keeps a current record and link per variant name, lists them, and clears them without touching real folders", async () => {
    const root = path.join(base, `p${++counter}`);
    mkdirSync(root, { recursive: true });
    const dagDir = path.join(root, ".dag");
    const store = new CacheStore(dagDir, await StatCache.open(dagDir));
    const a = await committed(store, "ridge", "a", { "W.npy": "a" });
    const b = await committed(store, "ridge", "b", { "W.npy": "b" });
    expect((await store.setCurrent(root, "ridge", a)).ok).toBe(true);
    expect((await store.setCurrent(root, "ridge", b, "ridge@alpha=0.1")).ok).toBe(true);
    expect(await store.getCurrent("ridge@alpha=0.1")).toBe(b.key);
    expect(await store.currentKeys()).toEqual(new Map([["ridge", a.key], ["ridge@alpha=0.1", b.key]]));
    expect(lstatSync(path.join(root, "artifacts", "ridge@alpha=0.1")).isSymbolicLink()).toBe(true);

    await store.clearCurrent(root, "ridge@alpha=0.1");
    expect(existsSync(path.join(root, "artifacts", "ridge@alpha=0.1"))).toBe(false);
    expect(await store.getCurrent("ridge@alpha=0.1")).toBeUndefined();
    mkdirSync(path.join(root, "artifacts", "ridge@mine"));
    await store.clearCurrent(root, "ridge@mine");
    expect(lstatSync(path.join(root, "artifacts", "ridge@mine")).isDirectory()).toBe(true);
    await expect(store.getCurrent("../ridge")).rejects.toThrow(/invalid artifact link name/);
  });
});
