// A stage's code identity: the content of its module and of every project file it imports, plus
// the versions of the packages it imports, so editing one stage's source invalidates that stage alone.
import { readFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import type { ContentHash } from "../cache/digest.js";

/** What a stage's code is made of. */
export interface CodeFingerprint {
  /** Project-relative path → content hash of the module and every project file it imports. */
  readonly files: Readonly<Record<string, ContentHash>>;
  /** Package name → installed version, for every package the module's files import. */
  readonly packages: Readonly<Record<string, string>>;
}

const IMPORT_PATTERNS = [
  /\bimport\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?["']([^"']+)["']/g,
  /\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s+from\s+["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
];

/** The module specifiers a TypeScript/JavaScript source imports (static, re-exports and literal dynamic imports). */
export function importSpecifiers(source: string): string[] {
  const found = new Set<string>();
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const spec = match[1];
      if (spec !== undefined) found.add(spec);
    }
  }
  return [...found];
}

const SOURCE_EXTENSIONS = [".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".json"];

/** Resolves a relative specifier the way tsx does: `./x.js` may name `./x.ts`. */
function resolveRelative(fromFile: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), spec);
  const candidates = [base];
  const ext = path.extname(base);
  if (ext === ".js" || ext === ".mjs" || ext === ".cjs") {
    const stem = base.slice(0, -ext.length);
    candidates.push(stem + ext.replace("js", "ts"));
  }
  for (const e of SOURCE_EXTENSIONS) candidates.push(base + e);
  for (const e of SOURCE_EXTENSIONS) candidates.push(path.join(base, "index" + e));
  return candidates.find((c) => existsSync(c) && !c.endsWith(path.sep));
}

/** The package name of a bare specifier: `@scope/name/sub` → `@scope/name`, `yaml/util` → `yaml`. */
export function packageName(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? spec);
}

/** The installed version of a package, found by walking up node_modules folders from a file. */
function packageVersion(name: string, fromFile: string, root: string): string {
  let dir = path.dirname(fromFile);
  const stops = new Set([path.parse(dir).root]);
  for (;;) {
    const manifest = path.join(dir, "node_modules", name, "package.json");
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, "utf8")) as { version?: string };
      return parsed.version ?? "unknown";
    }
    if (stops.has(dir)) break;
    dir = path.dirname(dir);
  }
  return existsSync(path.join(root, "node_modules")) ? "not installed" : "unknown";
}

/**
 * Walks a stage module's imports inside the project and fingerprints them. Files outside the
 * project root (and node: builtins) are not followed; bare imports contribute their version.
 */
export async function fingerprintCode(
  moduleAbs: string,
  root: string,
  hashFile: (abs: string) => Promise<ContentHash>,
): Promise<CodeFingerprint> {
  const files: Record<string, ContentHash> = {};
  const packages: Record<string, string> = {};
  const queue = [moduleAbs];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    files[path.relative(root, file).split(path.sep).join("/")] = await hashFile(file);
    if (file.endsWith(".json")) continue;
    const source = await readFile(file, "utf8");
    for (const spec of importSpecifiers(source)) {
      if (isBuiltin(spec)) continue;
      if (spec.startsWith(".") || spec.startsWith("/")) {
        const resolved = resolveRelative(file, spec);
        if (resolved !== undefined && !path.relative(root, resolved).startsWith("..")) queue.push(resolved);
        continue;
      }
      const name = packageName(spec);
      if (!(name in packages)) packages[name] = packageVersion(name, file, root);
    }
  }
  return { files: sortKeys(files), packages: sortKeys(packages) };
}

function sortKeys<V>(record: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
