// A stage's code identity: the content of its module, of every project file it imports and of every
// asset its code names with `new URL("…", import.meta.url)`, plus the versions of the packages it
// imports, so editing one stage's source (or a build it loads) invalidates that stage alone.
import { readFile, realpath, stat } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import type { ContentHash } from "../cache/digest.js";

/** What a stage's code is made of. */
export interface CodeFingerprint {
  /**
   * Project-relative path → content hash of the module, every file it imports and every asset it
   * names (a folder by its folder digest); "absent" for a named asset that does not exist.
   */
  readonly files: Readonly<Record<string, ContentHash | "absent">>;
  /** Package name → installed version, for every package the module's files import. */
  readonly packages: Readonly<Record<string, string>>;
}

/** How the walk hashes what it finds: a source or asset file, and an asset folder. */
export interface CodeHashers {
  readonly file: (abs: string) => Promise<ContentHash>;
  readonly folder: (abs: string) => Promise<ContentHash>;
}

const IMPORT_PATTERNS = [
  /\bimport\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?["']([^"']+)["']/g,
  /\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s+from\s+["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
];

/** `new URL("./x", import.meta.url)` with one string literal (quotes or a backtick without `${`), as bundlers follow it. */
const ASSET_PATTERN = /\bnew\s+URL\s*\(\s*(?:"([^"\n]+)"|'([^'\n]+)'|`([^`$\n]+)`)\s*,\s*import\.meta\.url\s*\)/g;

/** Source text without comments (a `//` after a colon, as in a URL, is kept). */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

/** The module specifiers a TypeScript/JavaScript source imports (static, re-exports and literal dynamic imports). */
export function importSpecifiers(source: string): string[] {
  const found = new Set<string>();
  const code = withoutComments(source);
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const spec = match[1];
      if (spec !== undefined) found.add(spec);
    }
  }
  return [...found];
}

/** The relative paths a source names as assets with `new URL("…", import.meta.url)`. */
export function assetReferences(source: string): string[] {
  const found = new Set<string>();
  for (const match of withoutComments(source).matchAll(ASSET_PATTERN)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (spec !== undefined && (spec.startsWith("./") || spec.startsWith("../"))) found.add(spec);
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

/** The real path of a file, as Node's loader sees it (symlinks resolved); the path itself when it cannot be resolved. */
async function realPathOf(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return file;
  }
}

/**
 * Walks a stage module's imports and asset references and fingerprints them. Paths resolve as
 * Node resolves them: from the real path of each file (symlinks followed). Project files are named
 * by their project-relative path, files a symlink leads out of the project by their path relative
 * to the project root (`../shared/x.ts`): every file the stage loads is in its key. Builtins are
 * left out; bare imports contribute their package version. An asset named with `new URL("./x",
 * import.meta.url)` is hashed as code (a folder by its content), and recorded "absent" when missing.
 */
export async function fingerprintCode(moduleAbs: string, root: string, hash: CodeHashers): Promise<CodeFingerprint> {
  const files: Record<string, ContentHash | "absent"> = {};
  const packages: Record<string, string> = {};
  const realRoot = await realPathOf(root);
  const nameOf = (abs: string): string => {
    const inside = path.relative(realRoot, abs);
    return (inside.startsWith("..") ? path.relative(root, abs) : inside).split(path.sep).join("/");
  };
  const queue = [await realPathOf(moduleAbs)];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    files[nameOf(file)] = await hash.file(file);
    if (file.endsWith(".json")) continue;
    const source = await readFile(file, "utf8");
    for (const spec of importSpecifiers(source)) {
      if (isBuiltin(spec)) continue;
      if (spec.startsWith(".") || spec.startsWith("/")) {
        const resolved = resolveRelative(file, spec);
        if (resolved !== undefined) queue.push(await realPathOf(resolved));
        continue;
      }
      const name = packageName(spec);
      if (!(name in packages)) packages[name] = packageVersion(name, file, root);
    }
    for (const spec of assetReferences(source)) {
      const asset = await realPathOf(path.resolve(path.dirname(file), spec));
      const name = nameOf(asset);
      if (name in files) continue;
      const kind = await kindOf(asset);
      files[name] = kind === "folder" ? await hash.folder(asset) : kind === "file" ? await hash.file(asset) : "absent";
    }
  }
  return { files: sortKeys(files), packages: sortKeys(packages) };
}

async function kindOf(abs: string): Promise<"file" | "folder" | undefined> {
  try {
    const stats = await stat(abs);
    return stats.isDirectory() ? "folder" : "file";
  } catch {
    return undefined;
  }
}

function sortKeys<V>(record: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
