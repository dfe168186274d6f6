// Reads the `remote:` block of pipeline.yaml and of the git-ignored dag.local.yaml (which overrides it), each problem positioned at its line and column.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ConfiguredRemote, RemoteSettings } from "../../remote/remote-spec.js";
import { configError, displayPath, type ConfigError, type Span } from "./config-error.js";
import { didYouMeanHint } from "./did-you-mean.js";
import { readYaml, type YamlSource } from "./read-yaml.js";

/** The local config's name, at the project root; `.gitignore` lists it. */
export const LOCAL_CONFIG = "dag.local.yaml";

const FIELDS = ["url", "endpoint", "region", "force_path_style", "read_through", "write_through"] as const;
const SWITCHES: readonly string[] = ["force_path_style", "read_through", "write_through"];
type Field = (typeof FIELDS)[number];
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** One remote as far as one file says: the fields it sets, each with where it was said. */
interface RemoteDraft {
  readonly values: Partial<Record<Field, string | boolean>>;
  readonly where: Partial<Record<Field | "name", { readonly file: string; readonly span: Span }>>;
}

interface RemoteBlock {
  readonly drafts: Map<string, RemoteDraft>;
  readonly default: { readonly name: string; readonly file: string; readonly span: Span } | undefined;
}

/** Reads one file's `remote:` block (already parsed in `source`); bad types and unknown keys are errors. */
function readBlock(raw: unknown, source: YamlSource, errors: ConfigError[]): RemoteBlock {
  const drafts = new Map<string, RemoteDraft>();
  let chosen: RemoteBlock["default"];
  if (raw === undefined || raw === null) return { drafts, default: chosen };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    errors.push(configError("schema", source.file, source.valueSpan(["remote"]), `"remote" must be a mapping of remote names to their settings`, "e.g. remote: { default: team, team: { url: /mnt/shared/dag-cache } }"));
    return { drafts, default: chosen };
  }
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === "default") {
      if (typeof value !== "string" || value === "") errors.push(configError("schema", source.file, source.valueSpan(["remote", name]), `"remote.default" must name a remote`));
      else chosen = { name: value, file: source.file, span: source.valueSpan(["remote", name]) };
      continue;
    }
    if (!NAME.test(name)) {
      errors.push(configError("schema", source.file, source.keySpan(["remote", name]), `remote name "${name}" is not a name`, 'a remote name has letters, digits, "_" and "-", starting with a letter'));
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      errors.push(configError("schema", source.file, source.valueSpan(["remote", name]), `remote "${name}" must be a mapping`, "e.g. { url: s3://bucket/prefix, region: eu-west-1 }"));
      continue;
    }
    const values: RemoteDraft["values"] = {};
    const where: RemoteDraft["where"] = { name: { file: source.file, span: source.keySpan(["remote", name]) } };
    for (const [field, setting] of Object.entries(value as Record<string, unknown>)) {
      const at = ["remote", name, field];
      if (!(FIELDS as readonly string[]).includes(field)) {
        const hint = didYouMeanHint(field, FIELDS) ?? `a remote takes ${FIELDS.join(", ")} (credentials come from the AWS chain, never from this file)`;
        errors.push(configError("unknown-key", source.file, source.keySpan(at), `unknown key "${field}" in remote "${name}"`, hint));
        continue;
      }
      const wanted = SWITCHES.includes(field) ? "boolean" : "string";
      if (typeof setting !== wanted || setting === "") {
        errors.push(configError("schema", source.file, source.valueSpan(at), `"${field}" of remote "${name}" must be ${wanted === "boolean" ? "true or false" : "a non-empty string"}`));
        continue;
      }
      values[field as Field] = setting as string | boolean;
      where[field as Field] = { file: source.file, span: source.valueSpan(at) };
    }
    drafts.set(name, { values, where });
  }
  return { drafts, default: chosen };
}

function through(draft: RemoteDraft): { readThrough: boolean; writeThrough: boolean } {
  return { readThrough: draft.values.read_through === true, writeThrough: draft.values.write_through === true };
}

/** A ConfiguredRemote from merged settings, or the problem with them. */
function specOf(name: string, draft: RemoteDraft, root: string, errors: ConfigError[]): ConfiguredRemote | undefined {
  const url = draft.values.url;
  const here = draft.where.name as { file: string; span: Span };
  if (typeof url !== "string") {
    errors.push(configError("schema", here.file, here.span, `remote "${name}" has no "url"`, "url: a folder (/mnt/shared/dag-cache) or s3://BUCKET/PREFIX"));
    return undefined;
  }
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (s3 === null) {
    for (const field of ["endpoint", "region", "force_path_style"] as const) {
      const at = draft.where[field];
      if (at !== undefined) errors.push(configError("schema", at.file, at.span, `"${field}" is for an s3:// remote; remote "${name}" is a folder`));
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
      const at = draft.where.url as { file: string; span: Span };
      errors.push(configError("schema", at.file, at.span, `remote "${name}" has url ${url}: dag knows folders and s3:// buckets`, "a shared folder is a plain path; an S3-compatible server is s3://BUCKET/PREFIX with endpoint: its address"));
      return undefined;
    }
    return { name, kind: "directory", path: path.resolve(root, url), ...through(draft) };
  }
  const bucket = s3[1] as string;
  const rest = (s3[2] as string).replace(/^\/+|\/+$/g, "");
  const endpoint = draft.values.endpoint as string | undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    const at = draft.where.endpoint as { file: string; span: Span };
    errors.push(configError("schema", at.file, at.span, `endpoint of remote "${name}" must be an http:// or https:// address, got "${endpoint}"`));
  }
  return {
    name,
    kind: "s3",
    bucket,
    prefix: rest === "" ? "" : `${rest}/`,
    endpoint,
    region: draft.values.region as string | undefined,
    forcePathStyle: draft.values.force_path_style === true,
    ...through(draft),
  };
}

/**
 * The project's remotes: pipeline.yaml's `remote:` block (`shared`), with `dag.local.yaml`'s at
 * the project root laid over it field by field (a remote only it names is added; its `default`
 * wins). Every problem of both files comes back, positioned.
 */
export async function readRemotes(shared: unknown, source: YamlSource, root: string): Promise<{ readonly settings: RemoteSettings; readonly errors: ConfigError[] }> {
  const errors: ConfigError[] = [];
  const base = readBlock(shared, source, errors);
  const localFile = path.join(root, LOCAL_CONFIG);
  let localText: string | undefined;
  try {
    localText = await readFile(localFile, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") errors.push(configError("missing-file", displayPath(localFile), { line: 0, col: 0 }, `cannot read ${displayPath(localFile)}: ${code ?? (error as Error).message}`));
  }
  let local: RemoteBlock = { drafts: new Map(), default: undefined };
  if (localText !== undefined) {
    const localSource = readYaml(localText, displayPath(localFile));
    errors.push(...localSource.errors);
    if (!localSource.broken) {
      const top = localSource.value;
      if (top !== null && typeof top === "object" && !Array.isArray(top)) {
        for (const key of Object.keys(top)) {
          if (key !== "remote") errors.push(configError("unknown-key", localSource.file, localSource.keySpan([key]), `unknown key "${key}" in ${LOCAL_CONFIG}`, `${LOCAL_CONFIG} holds remote: settings only`));
        }
        local = readBlock((top as Record<string, unknown>)["remote"], localSource, errors);
      } else if (top !== null) {
        errors.push(configError("schema", localSource.file, { line: 1, col: 1 }, `${LOCAL_CONFIG} must be a mapping with a remote: block`));
      }
    }
  }
  const merged = new Map<string, RemoteDraft>(base.drafts);
  for (const [name, draft] of local.drafts) {
    const before = merged.get(name);
    merged.set(name, before === undefined ? draft : { values: { ...before.values, ...draft.values }, where: { ...before.where, ...draft.where, name: before.where.name } });
  }
  const remotes = new Map<string, ConfiguredRemote>();
  for (const [name, draft] of [...merged].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const spec = specOf(name, draft, root, errors);
    if (spec !== undefined) remotes.set(name, spec);
  }
  const chosen = local.default ?? base.default;
  if (chosen !== undefined && !merged.has(chosen.name)) {
    const hint = didYouMeanHint(chosen.name, [...merged.keys()]) ?? (merged.size === 0 ? "no remote is configured" : `remotes: ${[...merged.keys()].join(", ")}`);
    errors.push(configError("bad-remote", chosen.file, chosen.span, `default remote "${chosen.name}" is not configured`, hint));
  }
  const fallback = remotes.size === 1 ? [...remotes.keys()][0] : undefined;
  return { settings: { remotes, default: chosen?.name ?? fallback }, errors };
}
