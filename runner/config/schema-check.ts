// Checks a parsed pipeline file against schemas/pipeline.schema.json and turns each violation into a positioned ConfigError.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { configError, type ConfigError } from "./config-error.js";
import { didYouMeanHint } from "./did-you-mean.js";
import type { YamlPath, YamlSource } from "./read-yaml.js";

const SCHEMA_FILE = path.join("schemas", "pipeline.schema.json");

let compiled: ValidateFunction | undefined;

/** The schema file, found by walking up from this module (it sits in the package root, both from source and from dist/). */
export function pipelineSchemaPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, SCHEMA_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${SCHEMA_FILE} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/**
 * The compiled validator, built once per process. The schema is ours and fixed, so it is not
 * checked against the meta-schema here (that costs most of the compile time; a test does it).
 */
function validator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      strict: true,
      validateSchema: false,
      meta: false,
      code: { optimize: false },
    });
    compiled = ajv.compile(JSON.parse(readFileSync(pipelineSchemaPath(), "utf8")) as object);
  }
  return compiled;
}

/** Every schema violation in the document, positioned; empty when the document fits the schema. */
export function checkSchema(source: YamlSource): ConfigError[] {
  const validate = validator();
  if (validate(source.value)) return [];
  const errors: ConfigError[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const converted = convert(error, source);
    if (converted === undefined) continue;
    const id = `${converted.line}:${converted.col}:${converted.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    errors.push(converted);
  }
  return errors;
}

function convert(error: ErrorObject, source: YamlSource): ConfigError | undefined {
  const at = parsePointer(error.instancePath);
  const where = describe(at);
  const file = source.file;
  const params = error.params as Record<string, unknown>;
  // Errors inside a propertyNames check repeat the propertyNames error itself.
  if (error.propertyName !== undefined) return undefined;
  switch (error.keyword) {
    case "type": {
      const expected = expectedAt(at) ?? `a ${String(params["type"])}`;
      return configError(
        "schema",
        file,
        source.valueSpan(at),
        `${where} must be ${expected}, got ${describeValue(error.data)}`,
        typeHint(at, error.data),
      );
    }
    case "additionalProperties": {
      const key = String(params["additionalProperty"]);
      const allowed = Object.keys((error.parentSchema?.["properties"] as object | undefined) ?? {});
      const hint = didYouMeanHint(key, allowed) ?? `allowed keys ${at.length === 0 ? "at the top level" : "here"}: ${allowed.join(", ")}`;
      return configError("unknown-key", file, source.keySpan([...at, key]), `unknown key "${key}" ${at.length === 0 ? "at the top level" : `in ${where}`}`, hint);
    }
    case "required": {
      const missing = String(params["missingProperty"]);
      return configError("schema", file, source.keySpan(at), `${where} has no "${missing}"`, requiredHint(at, missing));
    }
    case "propertyNames": {
      const name = String(params["propertyName"]);
      const span = source.keySpan([...at, name]);
      if (at.length === 1 && at[0] === "stages") {
        const fixed = name.toLowerCase().replace(/[^a-z0-9_-]/g, "-").replace(/^[^a-z]+/, "");
        const suggestion = fixed.length > 0 ? `, e.g. "${fixed}"` : "";
        return configError("schema", file, span, `invalid stage name "${name}"`, `stage names use lowercase letters, digits, "_" and "-", starting with a letter${suggestion}`);
      }
      if (at.length === 1 && at[0] === "sweep") {
        return configError("schema", file, span, `invalid sweep key "${name}"`, "name a stage param as STAGE.PARAM, e.g. ridge.alpha or finetune.loss.infonce");
      }
      return configError("schema", file, span, `invalid input name "${name}" in ${where.replace(/^"deps" of /, "")}`, `input names use letters, digits and "_", not starting with a digit`);
    }
    case "minItems":
      return configError(
        "schema",
        file,
        source.valueSpan(at),
        `${where} is empty`,
        at.at(-1) === "outs" ? "list at least one file the stage writes" : at[0] === "sweep" ? "list at least one value to try" : undefined,
      );
    case "minProperties":
      return configError("schema", file, source.valueSpan(at), `${where} is empty`, at.length === 1 && at[0] === "stages" ? "declare at least one stage" : undefined);
    case "minLength":
      return configError("schema", file, source.valueSpan(at), `${where} is an empty string`);
    default:
      return configError("schema", file, source.valueSpan(at), `${where} ${error.message ?? "is invalid"}`);
  }
}

/** A JSON pointer (`/stages/ridge/outs/0`) as path segments. */
function parsePointer(pointer: string): YamlPath {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** How a place in the file is named in messages, e.g. `"outs" of stage "ridge"`. */
function describe(at: YamlPath): string {
  const [top, stage, field, item] = at.map(String);
  if (top === undefined) return "the pipeline file";
  if (top === "stages" && stage !== undefined) {
    if (field === undefined) return `stage "${stage}"`;
    if (item === undefined) return `"${field}" of stage "${stage}"`;
    if (field === "deps") return `input "${item}" of stage "${stage}"`;
    if (field === "outs") return `output #${Number(item) + 1} of stage "${stage}"`;
    return `"${at.slice(2).join(".")}" of stage "${stage}"`;
  }
  if (at.length === 1) return top === "params" ? `top-level "params"` : `"${top}"`;
  if (top === "sweep" && stage !== undefined) return `sweep "${stage}"`;
  return `"${at.join(".")}"`;
}

/** What belongs at a place, in words, for type errors. */
function expectedAt(at: YamlPath): string | undefined {
  const [top, , field] = at.map(String);
  if (at.length === 0) return `a mapping with "stages" (and optional "params")`;
  if (at.length === 1 && top === "params") return "a mapping of param names to values";
  if (at.length === 1 && top === "stages") return "a mapping of stage names to stages";
  if (at.length === 1 && top === "sweep") return "a mapping of STAGE.PARAM to lists of values, e.g. ridge.alpha: [0.01, 0.1]";
  if (at.length === 2 && top === "sweep") return "a list of values to try, e.g. [0.01, 0.1]";
  if (at.length === 1 && top === "env") return "a list of environment variable names, e.g. [DAG_NATIVE]";
  if (top !== "stages") return undefined;
  if (at.length === 2) return `a mapping with "module", "outs" and optional "deps", "params", "description"`;
  if (at.length === 3) {
    switch (field) {
      case "module":
        return "a path to the stage's module, e.g. stages/NAME.ts";
      case "description":
        return "a string";
      case "deps":
        return "a mapping of input names to STAGE:OUT or workspace paths";
      case "outs":
        return "a list of output files";
      case "params":
        return "a mapping of param names to values";
      case "env":
        return "a list of environment variable names, e.g. [DAG_NATIVE]";
      case "metrics":
        return 'a list of metric names or patterns, e.g. [mrr_full, "r*_full"]';
      case "plots":
        return "a list of outputs to draw, e.g. [curve.json] or [{ curve.json: { x: epoch, y: [loss] } }]";
    }
  }
  if (at.length === 4 && field === "deps") return "a string: STAGE:OUT or a workspace path";
  if (at.length === 4 && field === "outs") return "a string: a path inside the stage's output folder";
  return undefined;
}

function typeHint(at: YamlPath, data: unknown): string | undefined {
  const field = at.length === 3 ? String(at[2]) : undefined;
  if (field === "outs" && typeof data === "string") return `write a list, e.g. outs: [${data}]`;
  if ((field === "env" || (at.length === 1 && at[0] === "env")) && typeof data === "string") return `write a list, e.g. env: [${data}]`;
  if (at.length === 2 && at[0] === "sweep" && (data === null || typeof data !== "object")) return `write a list, e.g. ${String(at[1])}: [${String(data)}]`;
  if (field === "deps" && Array.isArray(data)) return "name each input, e.g. deps: { captions: load:captions.npy, data: data/ }";
  return undefined;
}

function requiredHint(at: YamlPath, missing: string): string | undefined {
  const stage = at.length === 2 ? String(at[1]) : "NAME";
  if (missing === "module") return `add the file that runs the stage, e.g. module: stages/${stage}.ts`;
  if (missing === "outs") return "add the list of files the stage writes, e.g. outs: [metrics.json]";
  if (missing === "stages") return "add a \"stages:\" mapping of stage names to stages";
  return undefined;
}

/** A value's kind in words, for "got …". */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  return `the ${typeof value} ${String(value)}`;
}
