// Tests of the hashing primitives: sha256 equal to sha256sum, key validation, canonical folder digests.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { folderDigest, hashBytes, hashFileContent, HASH_CHUNK_BYTES, isContentHash, parseStageKey, stageKeyFromText, type ContentHash } from "../../cache/digest.js";

const dir = mkdtempSync(path.join(tmpdir(), "dag-digest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sha256sum(file: string): string {
  return `sha256:${execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0]}`;
}

describe("hashFileContent", () => {
  it("equals sha256sum on a file spanning several read chunks", async () => {
    const file = path.join(dir, "big.bin");
    const data = randomBytes(2 * HASH_CHUNK_BYTES + 12345);
    writeFileSync(file, data);
    const digest = await hashFileContent(file);
    expect(digest.hash).toBe(sha256sum(file));
    expect(digest.bytes).toBe(data.length);
  });

  it("equals sha256sum on an empty file", async () => {
    const file = path.join(dir, "empty.bin");
    writeFileSync(file, "");
    expect((await hashFileContent(file)).hash).toBe(sha256sum(file));
  });
});

describe("hashBytes", () => {
  it("equals node crypto's sha256 of the UTF-8 bytes, with the sha256: prefix", () => {
    const text = "captions → images ✓";
    expect(hashBytes(text)).toBe(`sha256:${createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex")}`);
    expect(isContentHash(hashBytes(text))).toBe(true);
  });
});

describe("isContentHash", () => {
  it("accepts only sha256: followed by 64 lowercase hex digits", () => {
    expect(isContentHash(`sha256:${"a".repeat(64)}`)).toBe(true);
    expect(isContentHash(`sha256:${"A".repeat(64)}`)).toBe(false);
    expect(isContentHash("a".repeat(64))).toBe(false);
    expect(isContentHash(`sha256:${"a".repeat(63)}`)).toBe(false);
    expect(isContentHash(42)).toBe(false);
  });
});

describe("parseStageKey", () => {
  it("accepts hex keys and the keys stageKeyFromText makes", () => {
    const key = stageKeyFromText('{"stage":"pca"}');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const parsed = parseStageKey(key);
    expect(parsed.ok && parsed.value).toBe(key);
  });

  it.each([
    ["", "empty"],
    ["../evil", "dot"],
    ["a/../b", "only contain"],
    ["a/b", "only contain"],
    [".hidden", "dot"],
    ["x".repeat(129), "at most 128"],
  ])("rejects %j", (key, words) => {
    const parsed = parseStageKey(key);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.reason).toBe("invalid-key");
      expect(parsed.error.detail).toContain(words);
    }
  });
});

describe("folderDigest", () => {
  const a = hashBytes("a");
  const b = hashBytes("b");

  it("does not depend on the order files were listed in", () => {
    expect(folderDigest([{ relPath: "x/1", hash: a }, { relPath: "y", hash: b }])).toBe(folderDigest([{ relPath: "y", hash: b }, { relPath: "x/1", hash: a }]));
  });

  it("changes with a name or a content", () => {
    const base = folderDigest([{ relPath: "x", hash: a }]);
    expect(folderDigest([{ relPath: "z", hash: a }])).not.toBe(base);
    expect(folderDigest([{ relPath: "x", hash: b }])).not.toBe(base);
  });

  it("is sha256 of the documented canonical JSON", () => {
    const files: { relPath: string; hash: ContentHash }[] = [{ relPath: "b", hash: b }, { relPath: "a", hash: a }];
    expect(folderDigest(files)).toBe(hashBytes(JSON.stringify(["dag-folder-v1", [["a", a], ["b", b]]])));
  });
});
