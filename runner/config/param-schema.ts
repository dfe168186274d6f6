// A stage's param schema: `<module>.params.schema.json` beside its module (JSON Schema draft-07), compiled with ajv; checks params, fills defaults.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { err, ok, type Result } from "../../cache/result.js";
import { didYouMean } from "./did-you-mean.js";

/** The part of JSON Schema the runner reads itself (messages, defaults, completion); ajv checks the rest. */
export interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: boolean | SchemaNode;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly SchemaNode[];
  readonly oneOf?: readonly SchemaNode[];
  readonly default?: unknown;
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
}

/** A stage's compiled param schema. */
export interface ParamSchema {
  /** Project-relative POSIX path of the schema file, for messages. */
  readonly file: string;
  readonly root: SchemaNode;
  /** Checks params (never changes them). */
  readonly validate: ValidateFunction;
  /** Fills `default`s into a copy of params (ajv's useDefaults), then checks it. */
  readonly withDefaults: ValidateFunction;
}

/** A param that does not fit the schema. */
export interface ParamProblem {
  /** Where in the params: mapping keys and list indices. */
  readonly path: readonly (string | number)[];
  /** True when the name itself is wrong (an unknown param), so the key is pointed at, not the value. */
  readonly atKey: boolean;
  /** `params.alpha must be a number, got "abc"`. */
  readonly message: string;
  readonly hint?: string;
}

/** The schema file of a module: `stages/ridge.ts` → `stages/ridge.params.schema.json`. */
export function paramSchemaPath(module: string): string {
  const ext = path.posix.extname(module);
  return `${ext === "" ? module : module.slice(0, -ext.length)}.params.schema.json`;
}

/** A schema file that cannot be read as a schema. */
export interface SchemaFileError {
  readonly file: string;
  readonly message: string;
}

const instances = new Map<boolean, Ajv>();

/** The process's ajv instance that fills defaults (true) or only checks (false). */
function sharedAjv(useDefaults: boolean): Ajv {
  let ajv = instances.get(useDefaults);
  if (ajv === undefined) {
    ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, useDefaults, code: { optimize: false } });
    instances.set(useDefaults, ajv);
  }
  return ajv;
}

/**
 * The param schema of the module at `module` (project-relative) under `root`: undefined when the
 * module has none (its params are then handed over unchecked), an error when the file is not valid
 * JSON or not a valid draft-07 schema.
 */
export async function loadParamSchema(root: string, module: string): Promise<Result<ParamSchema | undefined, SchemaFileError>> {
  const file = paramSchemaPath(module);
  let text: string;
  try {
    text = await readFile(path.join(root, ...file.split("/")), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return ok(undefined);
    return err({ file, message: `cannot read ${file}: ${(error as Error).message}` });
  }
  let schema: SchemaNode;
  try {
    schema = JSON.parse(text) as SchemaNode;
  } catch (error) {
    return err({ file, message: `${file} is not valid JSON: ${(error as Error).message}` });
  }
  try {
    // One pair of ajv instances for every schema: each instance compiles the draft-07 meta-schema
    // once, which cost most of a run's start-up when every stage's schema had a pair of its own.
    // `$id` is left out, so two stages' schemas that name the same id cannot collide in them.
    const { $id: _id, ...compiled } = schema as SchemaNode & { $id?: unknown };
    return ok({ file, root: schema, validate: sharedAjv(false).compile(compiled), withDefaults: sharedAjv(true).compile(compiled) });
  } catch (error) {
    return err({ file, message: `${file} is not a valid JSON Schema (draft-07): ${(error as Error).message}` });
  }
}

/** The params with the schema's defaults filled in (a copy), and every problem of the result. */
export function applyParamSchema(schema: ParamSchema, params: Readonly<Record<string, unknown>>): { readonly params: Record<string, unknown>; readonly problems: ParamProblem[] } {
  const filled = structuredClone(params) as Record<string, unknown>;
  const valid = schema.withDefaults(filled);
  return { params: filled, problems: valid ? [] : problemsOf(schema, filled, schema.withDefaults.errors) };
}

/** Every problem of params against the schema, without filling defaults. */
export function checkParams(schema: ParamSchema, params: Readonly<Record<string, unknown>>): ParamProblem[] {
  return schema.validate(params) ? [] : problemsOf(schema, params, schema.validate.errors);
}

/** The dotted paths whose values the schema's defaults supplied: in `filled` but not in `written`. */
export function defaultedPaths(written: unknown, filled: unknown, prefix = ""): string[] {
  if (!isMapping(filled)) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(filled)) {
    const at = prefix ? `${prefix}.${key}` : key;
    const before = isMapping(written) ? written[key] : undefined;
    if (before === undefined) out.push(at);
    else out.push(...defaultedPaths(before, value, at));
  }
  return out;
}

/** The schema node at a param path, following `properties` only. */
export function schemaAt(root: SchemaNode, at: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const key of at) node = node?.properties?.[key];
  return node;
}

/** A string that names a file: holds a slash or ends in an extension. */
function looksLikePath(value: unknown): boolean {
  return typeof value === "string" && (value.includes("/") || /\.[A-Za-z0-9]{1,5}$/.test(value));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** ajv's instancePath (`/loss/infonce`) as path segments. */
function segments(instancePath: string): (string | number)[] {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function valueAt(params: unknown, at: readonly (string | number)[]): unknown {
  let node = params;
  for (const key of at) node = isMapping(node) || Array.isArray(node) ? (node as Record<string, unknown>)[String(key)] : undefined;
  return node;
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? "nothing";
}

/** `params.loss.infonce`. */
function paramName(at: readonly (string | number)[]): string {
  return ["params", ...at.map(String)].join(".");
}

/** What one alternative of an anyOf/oneOf accepts, in words: `"auto"`, `an integer ≥ 1`. */
function describeNode(node: SchemaNode): string {
  if (node.const !== undefined) return show(node.const);
  if (node.enum !== undefined) return node.enum.map(show).join(" | ");
  const types = node.type === undefined ? [] : typeof node.type === "string" ? [node.type] : [...node.type];
  const article = (t: string): string => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);
  const bounds: string[] = [];
  if (node.minimum !== undefined) bounds.push(`≥ ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
  if (node.maximum !== undefined) bounds.push(`≤ ${node.maximum}`);
  if (node.exclusiveMaximum !== undefined) bounds.push(`< ${node.exclusiveMaximum}`);
  const kind = types.length === 0 ? "a value" : types.map(article).join(" or ");
  return [kind, ...bounds].join(" ");
}

/** ajv's errors turned into problems, one per place: an anyOf's branch errors fold into one line. */
function problemsOf(schema: ParamSchema, params: unknown, errors: readonly ErrorObject[] | null | undefined): ParamProblem[] {
  const all = errors ?? [];
  const folded = all.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf").map((e) => e.schemaPath);
  const problems: ParamProblem[] = [];
  const seen = new Set<string>();
  for (const e of all) {
    if (folded.some((p) => e.schemaPath !== p && e.schemaPath.startsWith(p + "/"))) continue;
    const at = segments(e.instancePath);
    const value = valueAt(params, at);
    const name = paramName(at);
    let problem: ParamProblem;
    switch (e.keyword) {
      case "additionalProperties": {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        const known = Object.keys(schemaAt(schema.root, at.map(String))?.properties ?? {});
        const near = didYouMean(extra, known);
        const owner = at.length === 0 ? "the stage" : name;
        problem = {
          path: [...at, extra],
          atKey: true,
          message: `unknown param "${[...at, extra].join(".")}": ${owner} takes no "${extra}" (${schema.file})`,
          hint:
            near !== undefined
              ? `did you mean "${near}"?`
              : looksLikePath(valueAt(params, [...at, extra]))
                ? `a file a stage reads is an input: name it under the stage's deps, not its params`
                : known.length > 0
                  ? `its params: ${known.join(", ")}`
                  : `it takes no params`,
        };
        break;
      }
      case "enum": {
        const allowed = (e.params as { allowedValues: readonly unknown[] }).allowedValues;
        const near = typeof value === "string" ? didYouMean(value, allowed.filter((a): a is string => typeof a === "string")) : undefined;
        problem = {
          path: at,
          atKey: false,
          message: `${name} must be one of ${allowed.map(show).join(" | ")}, got ${show(value)}`,
          ...(near === undefined ? {} : { hint: `did you mean "${near}"?` }),
        };
        break;
      }
      case "anyOf":
      case "oneOf": {
        const node = valueAtSchema(schema.root, e.schemaPath);
        const options = node === undefined ? "an allowed value" : node.map(describeNode).join(", or ");
        const consts = (node ?? []).flatMap((n) => (typeof n.const === "string" ? [n.const] : (n.enum ?? []).filter((v): v is string => typeof v === "string")));
        const near = typeof value === "string" ? didYouMean(value, consts) : undefined;
        problem = { path: at, atKey: false, message: `${name} must be ${options}, got ${show(value)}`, ...(near === undefined ? {} : { hint: `did you mean "${near}"?` }) };
        break;
      }
      case "required": {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        problem = { path: at, atKey: true, message: `${paramName([...at, missing])} is required (${schema.file})` };
        break;
      }
      case "type": {
        const want = (e.params as { type: string | string[] }).type;
        problem = { path: at, atKey: false, message: `${name} must be ${describeNode({ type: typeof want === "string" ? want.split(",") : want })}, got ${show(value)}` };
        break;
      }
      default:
        problem = { path: at, atKey: false, message: `${name} ${e.message ?? "is invalid"}, got ${show(value)}` };
    }
    const id = `${problem.path.join("/")}\0${problem.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push(problem);
  }
  return problems;
}

/** The alternatives of the anyOf/oneOf at an ajv schemaPath (`#/properties/components/anyOf`). */
function valueAtSchema(root: SchemaNode, schemaPath: string): readonly SchemaNode[] | undefined {
  let node: unknown = root;
  for (const step of schemaPath.replace(/^#\/?/, "").split("/").filter(Boolean)) {
    node = isMapping(node) || Array.isArray(node) ? (node as Record<string, unknown>)[step.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  return Array.isArray(node) ? (node as SchemaNode[]) : undefined;
}
