// `dag run --set stage.param.path=value`: one-run param overrides, the value read as YAML, checked against the pipeline.
import { parse } from "yaml";
import { err, ok, type Result } from "../cache/result.js";
import { didYouMeanHint } from "./config/did-you-mean.js";
import { applyParamSchema, schemaAt } from "./config/param-schema.js";
import { paramAt, withParam } from "./param-values.js";
import { stageSeed, type Pipeline, type StageSpec } from "./pipeline.js";

/** One `--set` as given. */
export interface ParamOverride {
  /** The argument as typed, for messages. */
  readonly text: string;
  readonly stage: string;
  /** The param's path inside the stage's params: `["loss", "infonce"]`. */
  readonly path: readonly string[];
  /** The value, read as YAML: `5` is a number, `true` a boolean, `[1, 2]` a list, `a b` a string. */
  readonly value: unknown;
}

/** A `--set` that is malformed or names no stage or param of the pipeline. */
export interface OverrideError {
  readonly reason: "bad-override";
  readonly message: string;
}

const OVERRIDE = /^([a-z][a-z0-9_-]*)\.([^=]+)=(.*)$/s;

/** Parses `stage.param.path=value` (the value as YAML). */
export function parseOverride(text: string): Result<ParamOverride, OverrideError> {
  const match = OVERRIDE.exec(text);
  if (match === null) return err({ reason: "bad-override", message: `--set takes STAGE.PARAM=VALUE, e.g. --set finetune.epochs=5; got "${text}"` });
  const path = (match[2] as string).split(".");
  if (path.some((segment) => segment === "")) return err({ reason: "bad-override", message: `--set "${text}" has an empty param name` });
  let value: unknown;
  try {
    value = parse(match[3] as string) as unknown;
  } catch (error) {
    return err({ reason: "bad-override", message: `--set "${text}": the value is not valid YAML (${(error as Error).message.split("\n")[0]})` });
  }
  return ok({ text, stage: match[1] as string, path, value });
}

/**
 * The pipeline with the overrides applied to its stages' params, as if the file said so (so the
 * overridden stage is the pipeline's own variant; a sweep expands around it). Each override must
 * name an existing stage and param: a typo is an error with a did-you-mean, not a silent new param.
 */
export function applyOverrides(p: Pipeline, overrides: readonly ParamOverride[]): Result<Pipeline, OverrideError> {
  if (overrides.length === 0) return ok(p);
  const stages = new Map(p.stages);
  for (const override of overrides) {
    const stage = stages.get(override.stage);
    if (stage === undefined) {
      const hint = didYouMeanHint(override.stage, stages.keys()) ?? `stages: ${[...stages.keys()].join(", ")}`;
      return err({ reason: "bad-override", message: `--set ${override.text}: unknown stage "${override.stage}"; ${hint}` });
    }
    const found = paramAt(stage.params, override.path);
    const declared = stage.paramSchema !== undefined && schemaAt(stage.paramSchema.root, override.path) !== undefined;
    if (!found.found && !declared) {
      const { at, keys } = found.missing;
      const missing = override.path[at] as string;
      const where = at === 0 ? `stage "${stage.name}"` : `param "${override.path.slice(0, at).join(".")}" of stage "${stage.name}"`;
      const hint =
        keys === undefined
          ? `it is not a mapping`
          : (didYouMeanHint(missing, keys) ?? (keys.length > 0 ? `its params: ${keys.join(", ")}` : "declare the param in pipeline.yaml first"));
      return err({ reason: "bad-override", message: `--set ${override.text}: ${where} has no param "${missing}"; ${hint}` });
    }
    let params = withParam(stage.params, override.path, override.value);
    if (stage.paramSchema !== undefined) {
      const checked = applyParamSchema(stage.paramSchema, params);
      const problem = checked.problems[0];
      if (problem !== undefined) return err({ reason: "bad-override", message: `--set ${override.text}: ${problem.message}${problem.hint === undefined ? "" : `; ${problem.hint}`}` });
      params = checked.params;
    }
    const updated: StageSpec = { ...stage, params, seed: stageSeed(params, p.params) };
    stages.set(stage.name, updated);
  }
  return ok({ ...p, stages });
}
