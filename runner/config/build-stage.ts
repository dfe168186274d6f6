// Turns one stage of the parsed file into a draft: module, inputs and outputs checked against the project on disk.
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { MAX_STAGE_NAME } from "../../cache/layout.js";
import type { DepSpec, SourcePosition } from "../pipeline.js";
import type { PlotSpec } from "../declarations.js";
import { readDeclarations } from "./check-declarations.js";
import { readEnvList } from "./check-env.js";
import { configError, type ConfigError } from "./config-error.js";
import { didYouMean } from "./did-you-mean.js";
import { toOutputPath, toProjectPath } from "./project-path.js";
import type { YamlPath, YamlSource } from "./read-yaml.js";

/** A stage as far as it could be read; the cross-stage checks and param resolution come after. */
export interface StageDraft {
  readonly name: string;
  readonly position: SourcePosition;
  /** Normalised project-relative module path; undefined when missing or malformed. */
  readonly module: string | undefined;
  readonly description: string | undefined;
  readonly deps: readonly DepSpec[];
  /** Input name → its value as written in the file, for positioning messages. */
  readonly written: ReadonlyMap<string, string>;
  readonly outs: readonly string[];
  /** False when `outs` itself was malformed, so references to this stage's outputs are not judged. */
  readonly outsKnown: boolean;
  /** The params as written (mapping, or empty). */
  readonly params: Readonly<Record<string, unknown>>;
  /** The stage's own `env:` names (checked). */
  readonly env: readonly string[];
  /** Its headline metrics and plots (checked). */
  readonly metrics: readonly string[];
  readonly plots: readonly PlotSpec[];
}

/** Marks a fan-in dep: `finetune[*]:metrics.json` reads metrics.json of every variant of finetune. */
export const FAN_IN_SUFFIX = "[*]";

const OUTPUT_HINT = "outputs are relative paths inside the stage's output folder, e.g. metrics.json";

/** Reads stage `name` (its raw value `raw`), checking paths on disk under `root`; never throws for bad input. */
export async function buildStage(
  name: string,
  raw: unknown,
  root: string,
  source: YamlSource,
): Promise<{ readonly draft: StageDraft; readonly errors: ConfigError[] }> {
  const at: YamlPath = ["stages", name];
  const stage = isRecord(raw) ? raw : {};
  const errors: ConfigError[] = [];
  const { line, col } = source.keySpan(at);

  const moduleCheck = typeof stage["module"] === "string" && stage["module"] !== "" ? checkModule(stage["module"], root, [...at, "module"], source) : undefined;

  const deps: Promise<DepSpec | undefined>[] = [];
  const writtenDeps = new Map<string, string>();
  if (isRecord(stage["deps"])) {
    for (const [input, written] of Object.entries(stage["deps"])) {
      if (typeof written !== "string" || written === "") continue;
      writtenDeps.set(input, written);
      deps.push(readDep(input, written, root, [...at, "deps", input], source, errors));
    }
  }

  const outs: string[] = [];
  const outsKnown = Array.isArray(stage["outs"]);
  if (Array.isArray(stage["outs"])) {
    const firstLine = new Map<string, number>();
    stage["outs"].forEach((written: unknown, index) => {
      if (typeof written !== "string" || written === "") return;
      const where = [...at, "outs", index];
      const out = toOutputPath(written);
      if (!out.ok) {
        const problem = {
          absolute: `output "${written}" of stage "${name}" is an absolute path`,
          parent: `output "${written}" of stage "${name}" leads out of its output folder ("..")`,
          "folder-itself": `output "${written}" of stage "${name}" names the output folder itself`,
        }[out.error.reason];
        errors.push(configError("bad-path", source.file, source.valueSpan(where), problem, OUTPUT_HINT));
        return;
      }
      const span = source.valueSpan(where);
      const first = firstLine.get(out.value);
      if (first !== undefined) {
        errors.push(configError("duplicate-output", source.file, span, `output "${out.value}" is listed twice in stage "${name}"`, `it is already listed on line ${first}`));
        return;
      }
      const enclosing = outs.find((other) => out.value.startsWith(`${other}/`) || other.startsWith(`${out.value}/`));
      if (enclosing !== undefined) {
        const [inner, outer] = out.value.length > enclosing.length ? [out.value, enclosing] : [enclosing, out.value];
        errors.push(configError("duplicate-output", source.file, span, `output "${inner}" of stage "${name}" lies inside output "${outer}"`, "declare either the folder or the files in it"));
        return;
      }
      firstLine.set(out.value, span.line);
      outs.push(out.value);
    });
  }

  if (name.length > MAX_STAGE_NAME) {
    const shown = `${name.slice(0, 24)}…`;
    errors.push(configError("schema", source.file, source.keySpan(at), `stage name "${shown}" has ${name.length} characters; at most ${MAX_STAGE_NAME} fit the store's folder names`, "shorten it"));
  }
  const env = readEnvList(stage["env"], [...at, "env"], source);
  errors.push(...env.errors);

  const declared = readDeclarations(name, stage, outs, outsKnown, source);
  errors.push(...declared.errors);

  const [module, ...depResults] = await Promise.all([moduleCheck, ...deps]);
  if (module !== undefined && !module.ok) errors.push(module.error);
  const draft: StageDraft = {
    name,
    position: { line, col },
    module: module?.ok === true ? module.value : undefined,
    description: typeof stage["description"] === "string" ? stage["description"] : undefined,
    deps: depResults.filter((dep): dep is DepSpec => dep !== undefined),
    written: writtenDeps,
    outs,
    outsKnown,
    params: isRecord(stage["params"]) ? stage["params"] : {},
    env: env.names,
    metrics: declared.metrics,
    plots: declared.plots,
  };
  return { draft, errors };
}

async function checkModule(
  written: string,
  root: string,
  where: YamlPath,
  source: YamlSource,
): Promise<{ ok: true; value: string } | { ok: false; error: ConfigError }> {
  const span = source.valueSpan(where);
  const relative = toProjectPath(root, written);
  if (!relative.ok || relative.value === ".") {
    return { ok: false, error: configError("bad-path", source.file, span, `module "${written}" is outside the project`, "name the stage's file relative to the project root, e.g. stages/NAME.ts") };
  }
  const found = await kindOf(path.join(root, relative.value));
  if (found === "file") {
    // Node loads a module from its real path: one that a symlink leads out of the project is outside it.
    const [realRoot, realModule] = await Promise.all([realpath(root), realpath(path.join(root, relative.value))]);
    const inside = toProjectPath(realRoot, realModule);
    if (!inside.ok) {
      return {
        ok: false,
        error: configError("bad-path", source.file, span, `module "${written}" resolves outside the project (to ${realModule})`, "a stage's module is a file of the project: copy it in rather than linking it"),
      };
    }
    return { ok: true, value: relative.value };
  }
  if (found === "folder") {
    return { ok: false, error: configError("missing-module", source.file, span, `module ${relative.value} is a folder, not a file`) };
  }
  return { ok: false, error: configError("missing-module", source.file, span, `module ${relative.value} does not exist`, await siblingHint(root, relative.value)) };
}

async function readDep(
  input: string,
  written: string,
  root: string,
  where: YamlPath,
  source: YamlSource,
  errors: ConfigError[],
): Promise<DepSpec | undefined> {
  const colon = written.indexOf(":");
  if (colon >= 0) {
    const out = toOutputPath(written.slice(colon + 1));
    const named = written.slice(0, colon);
    // `STAGE[*]:OUT`: every variant's OUT, as one list (Snakemake's expand()).
    const fanIn = named.endsWith(FAN_IN_SUFFIX);
    const stage = fanIn ? named.slice(0, -FAN_IN_SUFFIX.length) : named;
    return { name: input, kind: "output", stage, out: out.ok ? out.value : written.slice(colon + 1), from: stage, ...(fanIn ? { fanIn: true } : {}) };
  }
  const span = source.valueSpan(where);
  const relative = toProjectPath(root, written);
  if (!relative.ok || relative.value === ".") {
    const problem = relative.ok ? "is the whole project" : "is outside the project";
    errors.push(configError("bad-path", source.file, span, `input "${written}" ${problem}`, "inputs are files or folders inside the project (relative to its root), or STAGE:OUT"));
    return undefined;
  }
  const found = await kindOf(path.join(root, relative.value));
  if (found === undefined) {
    errors.push(configError("missing-input", source.file, span, `input ${relative.value} does not exist`, await siblingHint(root, relative.value)));
    return undefined;
  }
  return { name: input, kind: "path", path: relative.value, isDir: found === "folder" };
}

async function kindOf(file: string): Promise<"file" | "folder" | undefined> {
  try {
    const info = await stat(file);
    return info.isDirectory() ? "folder" : "file";
  } catch {
    return undefined;
  }
}

/** `did you mean "stages/ridge.ts"?` when a file next to the missing one has a close name. */
async function siblingHint(root: string, relative: string): Promise<string | undefined> {
  const dir = path.posix.dirname(relative);
  let names: string[];
  try {
    names = await readdir(path.join(root, dir));
  } catch {
    return undefined;
  }
  const suggestion = didYouMean(path.posix.basename(relative), names);
  if (suggestion === undefined) return undefined;
  return `did you mean "${dir === "." ? "" : `${dir}/`}${suggestion}"?`;
}

/** True for a plain mapping (not a list, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
