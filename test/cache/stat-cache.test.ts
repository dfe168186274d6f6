// Tests of the stat cache: hashes equal sha256sum, unchanged files are not re-read, folders hash canonically.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { folderDigest, hashBytes, type ContentHash } from "../../cache/digest.js";
import { StatCache } from "../../cache/stat-cache.js";

const base = mkdtempSync(path.join(tmpdir(), "dag-stat-cache-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let counter = 0;

/** A fresh project folder with its .dag/ path. */
function project(): { root: string; dagDir: string } {
  const root = path.join(base, `p${++counter}`);
  mkdirSync(root, { recursive: true });
  return { root, dagDir: path.join(root, ".dag") };
}

function sha256sum(file: string): string {
  return `sha256:${execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0]}`;
}

/** Waits past the stat cache's racy window, so files just written count as settled. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 150));
}

/** A stat cache that counts the files it really reads. */
async function counting(dagDir: string): Promise<{ cache: StatCache; reads: string[] }> {
  const reads: string[] = [];
  const cache = await StatCache.open(dagDir, { onHashFile: (event) => reads.push(event.path) });
  return { cache, reads };
}

function value<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

describe("StatCache.hashFile", () => {
  it("returns the sha256sum of the file", async () => {
    const { root, dagDir } = project();
    const file = path.join(root, "data.bin");
    writeFileSync(file, Buffer.alloc(5_000_000, 7));
    const cache = await StatCache.open(dagDir);
    expect(value(await cache.hashFile(file))).toBe(sha256sum(file));
  });

  it("reads an unchanged file once, also across processes (after save)", async () => {
    const { root, dagDir } = project();
    const file = path.join(root, "data.bin");
    writeFileSync(file, "hello\n");
    await settle();
    const first = await counting(dagDir);
    const hash = value(await first.cache.hashFile(file));
    expect(value(await first.cache.hashFile(file))).toBe(hash);
    expect(first.reads).toEqual([file]);
    await first.cache.save();

    const second = await counting(dagDir);
    expect(value(await second.cache.hashFile(file))).toBe(hash);
    expect(second.reads).toEqual([]);
  });

  it("trusts the remembered hash while the stat is unchanged (the file is not read)", async () => {
    const { root, dagDir } = project();
    const file = path.join(root, "data.bin");
    writeFileSync(file, "real content");
    await settle();
    const cache = await StatCache.open(dagDir);
    value(await cache.hashFile(file));
    await cache.save();
    const stored = JSON.parse(readFileSync(path.join(dagDir, "stat-cache.json"), "utf8")) as { files: Record<string, { hash: string }> };
    const planted = hashBytes("never the content of that file");
    (stored.files[file] as { hash: string }).hash = planted;
    writeFileSync(path.join(dagDir, "stat-cache.json"), JSON.stringify(stored));

    const reopened = await counting(dagDir);
    expect(value(await reopened.cache.hashFile(file))).toBe(planted);
    expect(reopened.reads).toEqual([]);

    const later = new Date(Date.now() - 60_000);
    utimesSync(file, later, later);
    expect(value(await reopened.cache.hashFile(file))).toBe(sha256sum(file));
    expect(reopened.reads).toEqual([file]);
  });

  it("re-reads a file whose mtime changed, even with the same content", async () => {
    const { root, dagDir } = project();
    const file = path.join(root, "data.bin");
    writeFileSync(file, "same");
    await settle();
    const { cache, reads } = await counting(dagDir);
    const hash = value(await cache.hashFile(file));
    const touched = new Date(Date.now() - 3_600_000);
    utimesSync(file, touched, touched);
    expect(value(await cache.hashFile(file))).toBe(hash);
    expect(reads).toEqual([file, file]);
  });

  it("sees new content of the same size even when the old mtime is restored (ctime changes)", async () => {
    const { root, dagDir } = project();
    const file = path.join(root, "data.bin");
    writeFileSync(file, "aaaa");
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(file, old, old);
    await settle();
    const cache = await StatCache.open(dagDir);
    const before = value(await cache.hashFile(file));
    const { mtimeMs, size } = statSync(file);
    writeFileSync(file, "bbbb");
    utimesSync(file, old, old);
    expect(statSync(file).mtimeMs).toBe(mtimeMs);
    expect(statSync(file).size).toBe(size);
    const after = value(await cache.hashFile(file));
    expect(after).not.toBe(before);
    expect(after).toBe(sha256sum(file));
  });

  it("does not remember a file modified too recently to be safe (racy), and does once it is older", async () => {
    const { root, dagDir } = project();
    const file = path.join(root, "data.bin");
    writeFileSync(file, "fresh");
    const future = new Date(Date.now() + 60_000);
    utimesSync(file, future, future);
    const { cache, reads } = await counting(dagDir);
    value(await cache.hashFile(file));
    value(await cache.hashFile(file));
    expect(reads).toHaveLength(2);
    const past = new Date(Date.now() - 60_000);
    utimesSync(file, past, past);
    await settle();
    value(await cache.hashFile(file));
    value(await cache.hashFile(file));
    expect(reads).toHaveLength(3);
  });

  it("remembers a just-written file when the caller says it is settled", async () => {
    const { root, dagDir } = project();
    const file = path.join(root, "out.bin");
    writeFileSync(file, "output of a finished stage");
    const { cache, reads } = await counting(dagDir);
    value(await cache.digestPath(file, { settled: true }));
    value(await cache.hashFile(file));
    expect(reads).toEqual([file]);
  });

  it("reports a missing file as a value", async () => {
    const { root, dagDir } = project();
    const cache = await StatCache.open(dagDir);
    const result = await cache.hashFile(path.join(root, "nope.bin"));
    expect(result).toEqual({ ok: false, error: { reason: "missing", path: path.join(root, "nope.bin"), detail: "no such file or folder" } });
  });
});

describe("StatCache persistence", () => {
  it("starts empty from a corrupt stat-cache.json and replaces it with a valid one", async () => {
    const { root, dagDir } = project();
    mkdirSync(dagDir);
    writeFileSync(path.join(dagDir, "stat-cache.json"), '{"version":1,"files":{"/x":');
    const file = path.join(root, "data.bin");
    writeFileSync(file, "x");
    await settle();
    const cache = await StatCache.open(dagDir);
    expect(cache.size).toBe(0);
    expect(value(await cache.hashFile(file))).toBe(sha256sum(file));
    await cache.save();
    const saved = JSON.parse(readFileSync(path.join(dagDir, "stat-cache.json"), "utf8")) as { version: number; files: Record<string, unknown> };
    expect(saved.version).toBe(1);
    expect(Object.keys(saved.files)).toEqual([file]);
  });

  it("saves concurrently from two instances without a torn file or leftover temp files", async () => {
    const { root, dagDir } = project();
    const files = ["a", "b"].map((name) => path.join(root, name));
    for (const file of files) writeFileSync(file, file);
    await settle();
    const caches = await Promise.all([StatCache.open(dagDir), StatCache.open(dagDir)]);
    await Promise.all(caches.map(async (cache, index) => value(await cache.hashFile(files[index] as string))));
    await Promise.all(caches.map((cache) => cache.save()));
    expect(readdirSync(dagDir)).toEqual(["stat-cache.json"]);
    const saved = JSON.parse(readFileSync(path.join(dagDir, "stat-cache.json"), "utf8")) as { files: Record<string, unknown> };
    expect(Object.keys(saved.files)).toHaveLength(1);
  });

  it("drops remembered files that no longer exist when saving", async () => {
    const { root, dagDir } = project();
    const keep = path.join(root, "keep");
    const gone = path.join(root, "gone");
    writeFileSync(keep, "k");
    writeFileSync(gone, "g");
    await settle();
    const first = await StatCache.open(dagDir);
    value(await first.hashFile(keep));
    value(await first.hashFile(gone));
    await first.save();
    rmSync(gone);
    const second = await StatCache.open(dagDir);
    value(await second.hashFile(path.join(root, "keep")));
    writeFileSync(path.join(root, "new"), "n");
    await settle();
    value(await second.hashFile(path.join(root, "new")));
    await second.save();
    const saved = JSON.parse(readFileSync(path.join(dagDir, "stat-cache.json"), "utf8")) as { files: Record<string, unknown> };
    expect(Object.keys(saved.files).sort()).toEqual([keep, path.join(root, "new")].sort());
  });
});

describe("StatCache.hashPath on folders", () => {
  it("hashes the sorted (relative path, file hash) list of every file below, hidden and linked ones included", async () => {
    const { root, dagDir } = project();
    const data = path.join(root, "data");
    mkdirSync(path.join(data, "sub", "deeper"), { recursive: true });
    mkdirSync(path.join(data, "empty"));
    writeFileSync(path.join(data, "z.txt"), "z");
    writeFileSync(path.join(data, ".hidden"), "h");
    writeFileSync(path.join(data, "sub", "deeper", "a.bin"), Buffer.from([1, 2, 3]));
    writeFileSync(path.join(root, "outside.txt"), "linked in");
    symlinkSync(path.join(root, "outside.txt"), path.join(data, "link.txt"));
    const cache = await StatCache.open(dagDir);
    const digest = value(await cache.digestPath(data));
    const expected: { relPath: string; hash: ContentHash }[] = [
      { relPath: ".hidden", hash: hashBytes("h") },
      { relPath: "link.txt", hash: hashBytes("linked in") },
      { relPath: "sub/deeper/a.bin", hash: hashBytes(Buffer.from([1, 2, 3])) },
      { relPath: "z.txt", hash: hashBytes("z") },
    ];
    expect(digest).toEqual({ kind: "folder", hash: folderDigest(expected), size: 1 + 9 + 3 + 1, files: 4 });
    expect(value(await cache.hashPath(data))).toBe(digest.hash);
  });

  it("changes when a file below is renamed, and when a file is added", async () => {
    const { root, dagDir } = project();
    const data = path.join(root, "data");
    mkdirSync(data);
    writeFileSync(path.join(data, "a"), "1");
    const cache = await StatCache.open(dagDir);
    const first = value(await cache.hashPath(data));
    execFileSync("mv", [path.join(data, "a"), path.join(data, "b")]);
    const renamed = value(await cache.hashPath(data));
    writeFileSync(path.join(data, "c"), "");
    const added = value(await cache.hashPath(data));
    expect(new Set([first, renamed, added]).size).toBe(3);
  });

  it("skips symbolic link loops (and only them)", async () => {
    const { root, dagDir } = project();
    const data = path.join(root, "data");
    mkdirSync(path.join(data, "sub"), { recursive: true });
    writeFileSync(path.join(data, "sub", "f"), "f");
    symlinkSync("..", path.join(data, "sub", "up"));
    symlinkSync("self", path.join(data, "self"));
    const cache = await StatCache.open(dagDir);
    const digest = value(await cache.digestPath(data));
    expect(digest.hash).toBe(folderDigest([{ relPath: "sub/f", hash: hashBytes("f") }]));
  });

  it("reports a dangling link below the folder as missing", async () => {
    const { root, dagDir } = project();
    const data = path.join(root, "data");
    mkdirSync(data);
    symlinkSync(path.join(root, "nowhere"), path.join(data, "dangling"));
    const cache = await StatCache.open(dagDir);
    expect(await cache.hashPath(data)).toEqual({ ok: false, error: { reason: "missing", path: path.join(data, "dangling"), detail: "dangling symbolic link" } });
  });

  it("reads each unchanged file below a folder only once", async () => {
    const { root, dagDir } = project();
    const data = path.join(root, "data");
    mkdirSync(data);
    for (let i = 0; i < 20; i++) writeFileSync(path.join(data, `f${i}`), `content ${i}`);
    await settle();
    const { cache, reads } = await counting(dagDir);
    const first = value(await cache.hashPath(data));
    expect(value(await cache.hashPath(data))).toBe(first);
    expect(reads).toHaveLength(20);
  });
});
