// Unit tests of the import scanner behind a stage's code fingerprint.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fingerprintCode, importSpecifiers, packageName } from "../../runner/code-fingerprint.js";
import { hashBytes, type ContentHash } from "../../cache/digest.js";
import { readFile } from "node:fs/promises";

describe("code fingerprint", () => {
  it("finds static, type, re-export and literal dynamic imports, not commented ones", () => {
    const source = `import { a } from "./a.js";
import type { T } from "./types.js";
import * as tf from "@tensorflow/tfjs-core";
export { b } from "./b.js";
import "./side-effect.js";
// import { no } from "./commented.js";
/* import { no2 } from "./block.js"; */
const lazy = await import("yaml");`;
    expect(importSpecifiers(source).sort()).toEqual(["./a.js", "./b.js", "./side-effect.js", "./types.js", "@tensorflow/tfjs-core", "yaml"]);
    expect(packageName("@tensorflow/tfjs-core/dist/x")).toBe("@tensorflow/tfjs-core");
    expect(packageName("yaml/util")).toBe("yaml");
  });

  it("follows project imports (.js → .ts) and records package versions", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "dag-fp-"));
    mkdirSync(path.join(root, "stages/lib"), { recursive: true });
    mkdirSync(path.join(root, "node_modules/yaml"), { recursive: true });
    writeFileSync(path.join(root, "node_modules/yaml/package.json"), JSON.stringify({ name: "yaml", version: "9.9.9" }));
    writeFileSync(path.join(root, "stages/s.ts"), `import { f } from "./lib/f.js";\nimport { readFileSync } from "node:fs";\nimport fs from "fs";\n`);
    writeFileSync(path.join(root, "stages/lib/f.ts"), `import YAML from "yaml";\nexport const f = 1;\n`);
    writeFileSync(path.join(root, "stages/lib/unused.ts"), `export const u = 1;\n`);
    const hash = async (abs: string): Promise<ContentHash> => hashBytes(await readFile(abs));
    const fp = await fingerprintCode(path.join(root, "stages/s.ts"), root, hash);
    expect(Object.keys(fp.files)).toEqual(["stages/lib/f.ts", "stages/s.ts"]);
    expect(fp.packages).toEqual({ yaml: "9.9.9" });
  });
});
