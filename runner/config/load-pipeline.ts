// Loads pipeline.yaml: parse, schema, per-stage and cross-stage checks, param resolution; all problems at once.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { err, ok, type Result } from "../../cache/result.js";
import { stageSeed, type Pipeline, type StageSpec } from "../pipeline.js";
import { buildStage, isRecord, type StageDraft } from "./build-stage.js";
import { readEnvList } from "./check-env.js";
import { checkFanIn } from "./check-fan-in.js";
import { readForeach } from "./check-foreach.js";
import { readExecutor, readResources } from "./check-executor.js";
import { checkGraph } from "./check-graph.js";
import { checkStageParams, checkSweepValues } from "./check-params.js";
import { loadParamSchema } from "./param-schema.js";
import { readRemotes } from "./check-remote.js";
import { readSweep } from "./check-sweep.js";
import { configError, displayPath, sortConfigErrors, type ConfigError } from "./config-error.js";
import { readYaml } from "./read-yaml.js";
import { resolveParams } from "./resolve-params.js";
import { checkSchema } from "./schema-check.js";

/**
 * Loads and checks the pipeline file `file` of the project at `root`. Either a Pipeline that
 * passed every check, or every problem found, sorted by position (never just the first).
 */
export async function loadPipeline(file: string, root: string): Promise<Result<Pipeline, ConfigError[]>> {
  const absolute = path.resolve(file);
  const projectRoot = path.resolve(root);
  const shown = displayPath(absolute);

  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === "ENOENT" ? `pipeline file ${shown} does not exist` : code === "EISDIR" ? `${shown} is a folder, not a pipeline file` : `cannot read ${shown}: ${(error as Error).message}`;
    const hint = code === "ENOENT" ? "run dag in the folder that holds pipeline.yaml, or name the pipeline file explicitly" : undefined;
    return err([configError("missing-file", shown, { line: 0, col: 0 }, message, hint)]);
  }

  const source = readYaml(text, shown);
  if (source.broken) return err(sortConfigErrors(source.errors));
  const errors: ConfigError[] = [...source.errors, ...checkSchema(source)];

  // Read on from whatever is well-formed, so one run reports every problem.
  const top = isRecord(source.value) ? source.value : {};
  const params = isRecord(top["params"]) ? top["params"] : {};
  const stagesRaw = isRecord(top["stages"]) ? top["stages"] : {};
  const built = await Promise.all(Object.entries(stagesRaw).map(([name, raw]) => buildStage(name, raw, projectRoot, source)));
  const drafts: StageDraft[] = [];
  for (const { draft, errors: stageErrors } of built) {
    drafts.push(draft);
    errors.push(...stageErrors);
  }
  errors.push(...checkGraph(drafts, source));

  const env = readEnvList(top["env"], ["env"], source);
  errors.push(...env.errors);
  const executor = readExecutor(top["executor"], source);
  errors.push(...executor.errors);
  const stages = new Map<string, StageSpec>();
  const schemas = await Promise.all(drafts.map((draft) => (draft.module === undefined ? Promise.resolve(ok(undefined)) : loadParamSchema(projectRoot, draft.module))));
  for (const [index, draft] of drafts.entries()) {
    const resources = readResources(isRecord(stagesRaw[draft.name]) ? (stagesRaw[draft.name] as Record<string, unknown>)["resources"] : undefined, ["stages", draft.name, "resources"], source);
    errors.push(...resources.errors);
    const resolved = resolveParams(draft.params, params, ["stages", draft.name, "params"], source);
    errors.push(...resolved.errors);
    const schema = schemas[index];
    let checked: ReturnType<typeof checkStageParams> | undefined;
    if (schema !== undefined && !schema.ok) {
      errors.push(configError("bad-param-schema", source.file, source.valueSpan(["stages", draft.name, "module"]), schema.error.message, "fix the schema file, or remove it to hand the params over unchecked"));
    } else if (schema?.value !== undefined && resolved.errors.length === 0) {
      checked = checkStageParams(draft.name, schema.value, resolved.params, source);
      errors.push(...checked.errors);
    }
    stages.set(draft.name, {
      name: draft.name,
      base: draft.name,
      artifact: draft.name,
      variant: {},
      module: draft.module ?? "",
      ...(draft.description === undefined ? {} : { description: draft.description }),
      deps: draft.deps,
      outs: draft.outs,
      params: checked?.params ?? resolved.params,
      seed: stageSeed(checked?.params ?? resolved.params, params),
      ...(schema?.ok && schema.value !== undefined ? { paramSchema: schema.value, defaulted: checked?.defaulted ?? [] } : {}),
      env: [...new Set([...env.names, ...draft.env])].sort(),
      metrics: draft.metrics,
      plots: draft.plots,
      resources: resources.resources,
      position: draft.position,
    });
  }
  const sweep = readSweep(top["sweep"], new Map([...stages].map(([name, stage]) => [name, stage.params])), params, source);
  errors.push(...sweep.errors);
  for (const axis of sweep.axes) {
    const stage = stages.get(axis.stage);
    if (stage?.paramSchema !== undefined) errors.push(...checkSweepValues(axis, stage.paramSchema, stage.params, source));
  }
  const foreach = drafts.flatMap((draft) => {
    const raw = stagesRaw[draft.name];
    const read = readForeach(draft.name, isRecord(raw) ? raw["foreach"] : undefined, stages.get(draft.name)?.params ?? {}, params, source);
    errors.push(...read.errors);
    return read.axes;
  });
  const axes = [...sweep.axes, ...foreach];
  errors.push(...checkFanIn(stages, axes, new Map(drafts.map((draft) => [draft.name, draft.written])), source));

  const remotes = await readRemotes(top["remote"], source, projectRoot);
  errors.push(...remotes.errors);

  if (errors.length > 0) return err(sortConfigErrors(errors));
  return ok({ file: absolute, root: projectRoot, params, stages, sweep: axes, env: env.names, executor: executor.executor, remotes: remotes.settings });
}
