// Tests of the current pointers: artifacts/<stage> symlink swaps, refusal of real folders, .dag/current records.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stageKeyFromText } from "../../cache/digest.js";
import { StatCache } from "../../cache/stat-cache.js";
import { CacheStore, type CommittedEntry } from "../../cache/store.js";

const base = mkdtempSync(path.join(tmpdir(), "dag-links-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let counter = 0;

async function project(): Promise<{ root: string; store: CacheStore }> {
  const root = path.join(base, `p${++counter}`);
  mkdirSync(root, { recursive: true });
  const dagDir = path.join(root, ".dag");
  return { root, store: new CacheStore(dagDir, await StatCache.open(dagDir)) };
}

async function commit(store: CacheStore, stage: string, content: string): Promise<CommittedEntry> {
  const pending = await store.begin(stage, stageKeyFromText(content));
  writeFileSync(path.join(pending.outDir, "W.npy"), content);
  const committed = await store.commit(pending, ["W.npy"], null);
  if (!committed.ok) throw new Error(JSON.stringify(committed.error));
  return committed.value;
}

describe("setCurrent", () => {
  it("points artifacts/<stage> at the entry's outs/ with a relative link and records the key", async () => {
    const { root, store } = await project();
    const entry = await commit(store, "ridge", "first");
    expect(await store.getCurrent("ridge")).toBeUndefined();
    const linked = await store.setCurrent(root, "ridge", entry);
    const link = path.join(root, "artifacts", "ridge");
    expect(linked).toEqual({ ok: true, value: link });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(path.isAbsolute(readlinkSync(link))).toBe(false);
    expect(realpathSync(link)).toBe(realpathSync(entry.outDir));
    expect(readFileSync(path.join(link, "W.npy"), "utf8")).toBe("first");
    expect(await store.getCurrent("ridge")).toBe(entry.key);
    expect(readFileSync(path.join(root, ".dag", "current", "ridge"), "utf8")).toBe(`${entry.key}\n`);
  });

  it("swaps the link to another entry, leaving no temporary link behind", async () => {
    const { root, store } = await project();
    const first = await commit(store, "ridge", "first");
    const second = await commit(store, "ridge", "second");
    await store.setCurrent(root, "ridge", first);
    await store.setCurrent(root, "ridge", second);
    expect(readFileSync(path.join(root, "artifacts", "ridge", "W.npy"), "utf8")).toBe("second");
    expect(await store.getCurrent("ridge")).toBe(second.key);
    expect(readdirSync(path.join(root, "artifacts"))).toEqual(["ridge"]);
    await store.setCurrent(root, "ridge", first);
    expect(readFileSync(path.join(root, "artifacts", "ridge", "W.npy"), "utf8")).toBe("first");
  });

  it("refuses to replace a real folder, leaving the user's files and the current record alone", async () => {
    const { root, store } = await project();
    const entry = await commit(store, "export", "csv");
    const folder = path.join(root, "artifacts", "export");
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "mine.csv"), "precious");
    const linked = await store.setCurrent(root, "export", entry);
    expect(linked.ok).toBe(false);
    if (linked.ok) return;
    expect(linked.error.reason).toBe("not-a-link");
    expect(linked.error.path).toBe(folder);
    expect(linked.error.detail).toMatch(/real folder/);
    expect(readFileSync(path.join(folder, "mine.csv"), "utf8")).toBe("precious");
    expect(await store.getCurrent("export")).toBeUndefined();
    expect(readdirSync(path.join(root, "artifacts"))).toEqual(["export"]);
  });

  it("replaces a dangling link (its entry was moved aside as corrupt)", async () => {
    const { root, store } = await project();
    const entry = await commit(store, "pca", "p");
    await store.setCurrent(root, "pca", entry);
    rmSync(entry.dir, { recursive: true, force: true });
    expect(existsSync(path.join(root, "artifacts", "pca"))).toBe(false);
    const again = await commit(store, "pca", "p");
    expect((await store.setCurrent(root, "pca", again)).ok).toBe(true);
    expect(readFileSync(path.join(root, "artifacts", "pca", "W.npy"), "utf8")).toBe("p");
  });
});
