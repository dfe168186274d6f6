// Sweep expansion: the pipeline as loaded → one stage per variant, each downstream variant wired to its matching upstream ones.
import { createHash } from "node:crypto";
import { applyParamSchema } from "./config/param-schema.js";
import { topoOrder } from "./graph.js";
import { canonicalText, paramAt, showParamValue, withParam } from "./param-values.js";
import { stageSeed, type DepSpec, type Pipeline, type StageSpec, type SweepAxis } from "./pipeline.js";

/** The longest `artifacts/` link name kept readable; longer ones end in a hash instead. */
const MAX_ARTIFACT_NAME = 120;

/**
 * Expands the sweep of a loaded pipeline (pure). The sweep's points are every combination of its
 * axes' values plus the file's own values (the "YAML point"). A stage's variants are the distinct
 * projections of those points onto its scope: its own axes and those of every stage upstream of it.
 * So load and pca, upstream of nothing swept, stay one stage; ridge with `alpha: [a, b, c]` becomes
 * three; finetune, downstream of ridge and with two values of its own, becomes six, each reading
 * the ridge variant with its alpha. Independent sweeps multiply only in stages downstream of both.
 *
 * Names: a stage with an empty scope keeps its name; a variant is `ridge[alpha=0.01]`, upstream
 * axes prefixed by their stage (`finetune[ridge.alpha=0.01,loss.infonce=1]`). The variant at the
 * YAML point keeps `artifacts/<stage>`; the others get `artifacts/<stage>@<label>`.
 */
export function expandSweep(p: Pipeline): Pipeline {
  const fansIn = [...p.stages.values()].some((stage) => stage.deps.some((dep) => dep.kind === "output" && dep.fanIn === true));
  if (p.sweep.length === 0 && !fansIn) return p;
  const axisOrder = new Map(p.sweep.map((axis, index) => [axis.id, index]));
  const scopes = new Map<string, SweepAxis[]>();
  /** Base stage → (canonical text of a projection → the variant's name). */
  const variantNames = new Map<string, Map<string, string>>();
  const stages = new Map<string, StageSpec>();
  const byBase = new Map<string, StageSpec[]>();

  for (const baseName of topoOrder(p)) {
    const base = p.stages.get(baseName) as StageSpec;
    const scope = new Map<string, SweepAxis>();
    for (const dep of base.deps) {
      // A fan-in reads every variant of its stage at once: their axes end there.
      if (dep.kind === "output" && dep.fanIn !== true) for (const axis of scopes.get(dep.stage) ?? []) scope.set(axis.id, axis);
    }
    for (const axis of p.sweep) if (axis.stage === baseName) scope.set(axis.id, axis);
    const axes = [...scope.values()].sort((a, b) => (axisOrder.get(a.id) as number) - (axisOrder.get(b.id) as number));
    scopes.set(baseName, axes);

    const yamlPoint = axes.map((axis) => yamlValue(p, axis));
    const points = product(axes.map((axis) => axis.values));
    if (!points.some((point) => canonicalText(point) === canonicalText(yamlPoint))) points.push(yamlPoint);

    const names = new Map<string, string>();
    variantNames.set(baseName, names);
    const variants: StageSpec[] = [];
    for (const point of points) {
      const label = axes.map((axis, i) => `${axisLabel(axis, baseName)}=${labelValue(point[i])}`).join(",");
      const isYaml = canonicalText(point) === canonicalText(yamlPoint);
      const name = axes.length === 0 ? baseName : `${baseName}[${label}]`;
      names.set(canonicalText(point), name);
      let params = base.params;
      axes.forEach((axis, i) => {
        if (axis.stage === baseName) params = withParam(params, axis.path, point[i]);
      });
      // A swept mapping gets its inner defaults too: the stage receives what its schema promises.
      if (base.paramSchema !== undefined && params !== base.params) params = applyParamSchema(base.paramSchema, params).params;
      const deps: DepSpec[] = base.deps.flatMap((dep): DepSpec[] => {
        if (dep.kind !== "output") return [dep];
        if (dep.fanIn === true) {
          // One input per variant of the upstream stage, in its variant order; each names its variant.
          return (byBase.get(dep.stage) ?? []).map((member) => ({
            ...dep,
            name: `${dep.name}@${member.name}`,
            from: member.name,
            member: { input: dep.name, variant: member.variant },
          }));
        }
        const upstreamAxes = scopes.get(dep.stage) ?? [];
        const projection = upstreamAxes.map((axis) => point[axes.findIndex((a) => a.id === axis.id)]);
        const from = variantNames.get(dep.stage)?.get(canonicalText(projection));
        if (from === undefined) throw new Error(`internal: no variant of ${dep.stage} for ${name}`);
        return [{ ...dep, from }];
      });
      variants.push({
        ...base,
        name,
        base: baseName,
        artifact: isYaml ? baseName : artifactName(baseName, label),
        variant: Object.fromEntries(axes.map((axis, i) => [axisLabel(axis, baseName), point[i]])),
        deps,
        params,
        seed: stageSeed(params, p.params),
      });
    }
    byBase.set(baseName, variants);
  }
  // File order of the stages, each stage's variants together.
  for (const baseName of p.stages.keys()) for (const variant of byBase.get(baseName) ?? []) stages.set(variant.name, variant);
  return { ...p, stages };
}

/** The pipeline with its sweep block dropped (`--no-sweep`) and its stages' `foreach:` copies kept. */
export function withoutSweep(p: Pipeline): Pipeline {
  return { ...p, sweep: p.sweep.filter((axis) => axis.foreach === true) };
}

/** The value the pipeline file itself gives an axis's param; a foreach axis's first value (the file's own is not one of its copies). */
function yamlValue(p: Pipeline, axis: SweepAxis): unknown {
  if (axis.foreach === true) return axis.values[0];
  const stage = p.stages.get(axis.stage);
  const found = stage === undefined ? undefined : paramAt(stage.params, axis.path);
  if (found === undefined || !found.found) throw new Error(`internal: sweep ${axis.id} names no param (the config check missed it)`);
  return found.value;
}

/** Every combination of the lists, the first list varying slowest; one empty combination for no lists. */
function product(lists: readonly (readonly unknown[])[]): unknown[][] {
  let combos: unknown[][] = [[]];
  for (const list of lists) combos = combos.flatMap((combo) => list.map((value) => [...combo, value]));
  return combos;
}

/** How an axis is named in a variant of `stage`: its param path for the stage's own axes, `stage.path` for upstream ones. */
export function axisLabel(axis: SweepAxis, stage: string): string {
  return axis.stage === stage ? axis.path.join(".") : axis.id;
}

/** A value in a variant name: plain words and numbers bare, anything a reader could misread as JSON. */
function labelValue(value: unknown): string {
  if (typeof value === "string" && !/^[A-Za-z_][\w./-]*$/.test(value)) return JSON.stringify(value);
  if (value === "true" || value === "false" || value === "null") return JSON.stringify(value);
  return showParamValue(value);
}

/**
 * The `artifacts/` link name of a variant, safe as one file name everywhere: `ridge@alpha=0.01`,
 * characters other than letters, digits and `._=,-` percent-encoded; too long a label becomes a hash.
 */
export function artifactName(base: string, label: string): string {
  const encoded = [...Buffer.from(label, "utf8")]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      return /[A-Za-z0-9._=,-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
  const name = `${base}@${encoded}`;
  if (name.length <= MAX_ARTIFACT_NAME) return name;
  return `${base}@${encoded.slice(0, 60)}~${createHash("sha256").update(label).digest("hex").slice(0, 16)}`;
}
