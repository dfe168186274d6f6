// Unit tests of the import scanner behind a stage's code fingerprint.
import { mkdtempSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assetReferences, fingerprintCode, importSpecifiers, packageName } from "../../runner/code-fingerprint.js";
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
    const fp = await fingerprintCode(path.join(root, "stages/s.ts"), root, { file: hash, folder: hash });
    expect(Object.keys(fp.files)).toEqual(["stages/lib/f.ts", "stages/s.ts"]);
    expect(fp.packages).toEqual({ yaml: "9.9.9" });
  });

  it("finds assets named with new URL(literal, import.meta.url), not computed or commented ones", () => {
    const source = `const a = new URL("./build/identity.json", import.meta.url);
const b = new URL('../models/', import.meta.url);
const c = new URL(\`./t.json\`, import.meta.url);
const d = new URL(name, import.meta.url);
const e = new URL(\`./\${name}.json\`, import.meta.url);
const f = new URL("https://example.org/x");
// const g = new URL("./commented.json", import.meta.url);`;
    expect(assetReferences(source).sort()).toEqual(["../models/", "./build/identity.json", "./t.json"]);
  });

  it("hashes a named file as code, a named folder by its digest, a missing one as absent; follows symlinked imports to their target", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "dag-fp-"));
    const outside = mkdtempSync(path.join(os.tmpdir(), "dag-fp-out-"));
    mkdirSync(path.join(root, "stages"), { recursive: true });
    mkdirSync(path.join(root, "models"), { recursive: true });
    writeFileSync(path.join(root, "models/m.bin"), "m");
    writeFileSync(path.join(root, "id.json"), "{}");
    writeFileSync(path.join(outside, "shared.ts"), `export const s = new URL("./near.json", import.meta.url);\n`);
    symlinkSync(path.join(outside, "shared.ts"), path.join(root, "stages/shared.ts"));
    writeFileSync(
      path.join(root, "stages/s.ts"),
      `import { s } from "./shared.js";\nconst id = new URL("../id.json", import.meta.url);\nconst m = new URL("../models/", import.meta.url);\nconst g = new URL("./gone.json", import.meta.url);\n`,
    );
    const hashFile = async (abs: string): Promise<ContentHash> => hashBytes(await readFile(abs));
    const hashFolder = async (): Promise<ContentHash> => "sha256:folder" as ContentHash;
    const fp = await fingerprintCode(path.join(root, "stages/s.ts"), root, { file: hashFile, folder: hashFolder });
    const outsideName = path.relative(root, realpathSync(outside)).split(path.sep).join("/");
    expect(fp.files).toEqual({
      [`${outsideName}/near.json`]: "absent",
      [`${outsideName}/shared.ts`]: hashBytes(readFileSync(path.join(outside, "shared.ts"))),
      "id.json": hashBytes("{}"),
      models: "sha256:folder",
      "stages/gone.json": "absent",
      "stages/s.ts": hashBytes(readFileSync(path.join(root, "stages/s.ts"))),
    });
  });
});

