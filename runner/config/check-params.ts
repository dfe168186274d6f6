// Checks stage params against their schemas at load: the file's params and each sweep value, as positioned config errors.
import type { SweepAxis } from "../pipeline.js";
import { withParam } from "../param-values.js";
import { configError, type ConfigError } from "./config-error.js";
import { applyParamSchema, checkParams, defaultedPaths, type ParamProblem, type ParamSchema } from "./param-schema.js";
import type { YamlPath, YamlSource } from "./read-yaml.js";

/** The stage's params with defaults filled in, and every problem, positioned in the stage's `params:`. */
export function checkStageParams(
  stage: string,
  schema: ParamSchema,
  params: Readonly<Record<string, unknown>>,
  source: YamlSource,
): { readonly params: Record<string, unknown>; readonly defaulted: string[]; readonly errors: ConfigError[] } {
  const applied = applyParamSchema(schema, params);
  const at: YamlPath = ["stages", stage, "params"];
  const errors = applied.problems.map((p) => positioned(p, [...at, ...p.path], source, `stage "${stage}": `));
  return { params: applied.params, defaulted: defaultedPaths(params, applied.params), errors };
}

/** Each sweep value of an axis checked in place of the stage's own value; problems point at the value. */
export function checkSweepValues(axis: SweepAxis, schema: ParamSchema, params: Readonly<Record<string, unknown>>, source: YamlSource): ConfigError[] {
  const errors: ConfigError[] = [];
  axis.values.forEach((value, index) => {
    const problems = checkParams(schema, withParam(params, axis.path, value)).filter((p) => axis.path.every((s, i) => String(p.path[i]) === s));
    for (const p of problems) errors.push(positioned({ ...p, atKey: false }, ["sweep", axis.id, index], source, `sweep "${axis.id}": `));
  });
  return errors;
}

function positioned(problem: ParamProblem, at: YamlPath, source: YamlSource, prefix: string): ConfigError {
  const span = problem.atKey ? source.keySpan(at) : source.valueSpan(at);
  return configError("bad-param", source.file, span, prefix + problem.message, problem.hint);
}
