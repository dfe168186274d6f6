// The store's side of gc: entry sizes, removal in one rename, superseded copies of a forced re-run.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stageKeyFromText } from "../../cache/digest.js";
import { StatCache } from "../../cache/stat-cache.js";
import { entrySize, removeEntry, removeFolders, supersededCopies } from "../../cache/store-maintenance.js";
import { CacheStore } from "../../cache/store.js";

const base = mkdtempSync(path.join(tmpdir(), "dag-store-gc-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let counter = 0;

async function committed(store: CacheStore, stage: string, text: string, files: Record<string, string>, replace = false) {
  const begun = await store.begin(stage, stageKeyFromText(text));
  if (!begun.ok) throw new Error(JSON.stringify(begun.error));
  const pending = begun.value;
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(pending.outDir, name), content);
  writeFileSync(pending.logFile, "log\n");
  const result = await store.commit(pending, Object.keys(files), { note: text }, { replace });
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

async function freshStore(): Promise<{ dagDir: string; store: CacheStore }> {
  const root = path.join(base, `p${++counter}`);
  mkdirSync(root, { recursive: true });
  const dagDir = path.join(root, ".dag");
  return { dagDir, store: new CacheStore(dagDir, await StatCache.open(dagDir)) };
}

describe("store for gc", () => {
  it("sizes an entry, removes it in one step (its stage folder too when empty), and says when there was none", async () => {
    const { dagDir, store } = await freshStore();
    const a = await committed(store, "ridge", "a", { "W.npy": "12345", "b.npy": "xy" });
    const b = await committed(store, "ridge", "b", { "W.npy": "1" });
    const manifestBytes = lstatSync(a.manifestFile).size;
    expect(await entrySize(a)).toBe(5 + 2 + 4 + manifestBytes);

    expect(await removeEntry(store, "ridge", a.key)).toBe(true);
    expect(existsSync(a.dir)).toBe(false);
    expect((await store.lookup("ridge", a.key)).ok).toBe(false);
    expect(readdirSync(path.join(dagDir, "tmp"))).toEqual([]);
    expect(await removeEntry(store, "ridge", a.key)).toBe(false);
    expect((await store.list("ridge")).map((e) => e.key)).toEqual([b.key]);
    await removeEntry(store, "ridge", b.key);
    expect(existsSync(path.join(dagDir, "entries", "ridge"))).toBe(false);
  });

  it("a forced re-run's copy appears beside the old one, which stays complete until it is removed", async () => {
    const { dagDir, store } = await freshStore();
    const old = await committed(store, "ridge", "same", { "W.npy": "old" });
    const forced = await committed(store, "ridge", "same", { "W.npy": "new" }, true);
    expect(forced.key).toBe(old.key);
    expect(forced.dir).toBe(path.join(dagDir, "entries", "ridge", `${old.key}~2`));
    expect(forced.superseded.map((f) => f.dir)).toEqual([old.dir]);
    expect(existsSync(path.join(old.outDir, "W.npy"))).toBe(true);
    const found = await store.lookup("ridge", old.key);
    expect(found.ok && found.value.dir).toBe(forced.dir);
    expect((await store.list("ridge")).map((e) => e.dir)).toEqual([forced.dir]);
    expect((await supersededCopies(store)).map((f) => f.dir)).toEqual([old.dir]);
    expect(await removeFolders(store, forced.superseded)).toBe(1);
    expect(readdirSync(path.join(dagDir, "entries", "ridge"))).toEqual([`${old.key}~2`]);
    expect(await supersededCopies(store)).toEqual([]);
    const again = await committed(store, "ridge", "same", { "W.npy": "newer" }, true);
    expect(path.basename(again.dir)).toBe(`${old.key}~3`);
  });
});
