// Tests of the artifacts/ links: atomic swaps, refusal of real folders, what a link points at, one namespace per pipeline file.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stageKeyFromText } from "../../cache/digest.js";
import { StatCache } from "../../cache/stat-cache.js";
import { CacheStore, type CommittedEntry } from "../../cache/store.js";
import { allLinks, linkEntry, linkSpaceOf, readLinks, readLinkTarget, type LinkSpace } from "../../runner/artifact-links.js";

const base = mkdtempSync(path.join(tmpdir(), "dag-links-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let counter = 0;

async function project(file = "pipeline.yaml"): Promise<{ root: string; store: CacheStore; space: LinkSpace }> {
  const root = path.join(base, `p${++counter}`);
  mkdirSync(root, { recursive: true });
  const dagDir = path.join(root, ".dag");
  return { root, store: new CacheStore(dagDir, await StatCache.open(dagDir)), space: linkSpaceOf(root, path.join(root, file)) };
}

async function commit(store: CacheStore, stage: string, content: string): Promise<CommittedEntry> {
  const pending = await store.begin(stage, stageKeyFromText(content));
  if (!pending.ok) throw new Error(JSON.stringify(pending.error));
  writeFileSync(path.join(pending.value.outDir, "W.npy"), content);
  const committed = await store.commit(pending.value, ["W.npy"], null);
  if (!committed.ok) throw new Error(JSON.stringify(committed.error));
  return committed.value;
}

describe("linkEntry", () => {
  it("points artifacts/<stage> at the entry's outs/ with a relative link, and reads back which entry it shows", async () => {
    const { root, store, space } = await project();
    const entry = await commit(store, "ridge", "first");
    expect(await readLinkTarget(space, "ridge")).toEqual({ state: "none" });
    const linked = await linkEntry(space, "ridge", entry);
    const link = path.join(root, "artifacts", "ridge");
    expect(linked).toEqual({ ok: true, value: link });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(path.isAbsolute(readlinkSync(link))).toBe(false);
    expect(realpathSync(link)).toBe(realpathSync(entry.outDir));
    expect(readFileSync(path.join(link, "W.npy"), "utf8")).toBe("first");
    expect(await readLinkTarget(space, "ridge")).toEqual({ state: "entry", stage: "ridge", key: entry.key, folder: entry.key, entryDir: entry.dir });
  });

  it("swaps the link to another entry, leaving no temporary link behind", async () => {
    const { root, store, space } = await project();
    const first = await commit(store, "ridge", "first");
    const second = await commit(store, "ridge", "second");
    await linkEntry(space, "ridge", first);
    await linkEntry(space, "ridge", second);
    expect(readFileSync(path.join(root, "artifacts", "ridge", "W.npy"), "utf8")).toBe("second");
    expect(readdirSync(path.join(root, "artifacts"))).toEqual(["ridge"]);
    await linkEntry(space, "ridge", first);
    expect(readFileSync(path.join(root, "artifacts", "ridge", "W.npy"), "utf8")).toBe("first");
    expect(await readLinks(space)).toEqual(new Map([["ridge", expect.objectContaining({ key: first.key })]]));
  });

  it("refuses to replace a real folder, leaving the user's files alone", async () => {
    const { root, store, space } = await project();
    const entry = await commit(store, "export", "csv");
    const folder = path.join(root, "artifacts", "export");
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "mine.csv"), "precious");
    const linked = await linkEntry(space, "export", entry);
    expect(linked.ok).toBe(false);
    if (linked.ok || linked.error.reason !== "not-a-link") throw new Error("expected not-a-link");
    expect(linked.error.path).toBe(folder);
    expect(linked.error.detail).toMatch(/real folder/);
    expect(readFileSync(path.join(folder, "mine.csv"), "utf8")).toBe("precious");
    expect(await readLinkTarget(space, "export")).toEqual({ state: "foreign", detail: "a real file or folder, not a link" });
    expect(readdirSync(path.join(root, "artifacts"))).toEqual(["export"]);
  });

  it("replaces a dangling link (its entry was moved aside as corrupt)", async () => {
    const { root, store, space } = await project();
    const entry = await commit(store, "pca", "p");
    await linkEntry(space, "pca", entry);
    rmSync(entry.dir, { recursive: true, force: true });
    expect(existsSync(path.join(root, "artifacts", "pca"))).toBe(false);
    const again = await commit(store, "pca", "p");
    expect((await linkEntry(space, "pca", again)).ok).toBe(true);
    expect(readFileSync(path.join(root, "artifacts", "pca", "W.npy"), "utf8")).toBe("p");
  });
});

describe("link spaces", () => {
  it("give pipeline.yaml artifacts/ and every other pipeline file a folder of its own; allLinks sees them all", async () => {
    const { root, store, space } = await project();
    expect(space.shown).toBe("artifacts");
    const other = linkSpaceOf(root, path.join(root, "experiments", "sweep.yaml"));
    expect(other.shown).toBe("artifacts/@experiments/sweep.yaml");
    expect(linkSpaceOf(root, path.join(root, "other.yaml")).shown).toBe("artifacts/@other.yaml");
    expect(linkSpaceOf(root, "/elsewhere/x.yaml").shown).toMatch(/^artifacts\/@x\.yaml~[0-9a-f]{8}$/);
    const a = await commit(store, "ridge", "a");
    const b = await commit(store, "ridge", "b");
    await linkEntry(space, "ridge", a);
    await linkEntry(other, "ridge", b);
    await linkEntry(other, "ridge@alpha=0.1", a);
    expect(readFileSync(path.join(root, "artifacts", "ridge", "W.npy"), "utf8")).toBe("a");
    expect(readFileSync(path.join(root, "artifacts", "@experiments", "sweep.yaml", "ridge", "W.npy"), "utf8")).toBe("b");
    expect((await readLinks(space)).size).toBe(1);
    expect((await allLinks(root)).map((l) => [path.relative(root, l.path), l.target.key])).toEqual([
      ["artifacts/ridge", a.key],
      ["artifacts/@experiments/sweep.yaml/ridge", b.key],
      ["artifacts/@experiments/sweep.yaml/ridge@alpha=0.1", a.key],
    ]);
  });
});
