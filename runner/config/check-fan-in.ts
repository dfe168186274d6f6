// Checks fan-in deps (`STAGE[*]:OUT`): the stage they fan in over must have variants (a sweep or foreach at or upstream of it).
import type { StageSpec, SweepAxis } from "../pipeline.js";
import { configError, type ConfigError } from "./config-error.js";
import { FAN_IN_SUFFIX } from "./build-stage.js";
import type { YamlSource } from "./read-yaml.js";

/**
 * One error per `[*]` dep whose stage no sweep or foreach axis reaches (at it or upstream of it
 * through plain deps): there is nothing to fan in over. Unknown stages are checkGraph's to report.
 */
export function checkFanIn(stages: ReadonlyMap<string, StageSpec>, axes: readonly SweepAxis[], written: ReadonlyMap<string, ReadonlyMap<string, string>>, source: YamlSource): ConfigError[] {
  const swept = new Map<string, boolean>();
  const isSwept = (name: string, seen: Set<string>): boolean => {
    const known = swept.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return false; // a cycle: checkGraph reports it
    seen.add(name);
    const stage = stages.get(name);
    const value =
      axes.some((axis) => axis.stage === name) ||
      (stage?.deps ?? []).some((dep) => dep.kind === "output" && dep.fanIn !== true && isSwept(dep.stage, seen));
    swept.set(name, value);
    return value;
  };
  const errors: ConfigError[] = [];
  for (const stage of stages.values()) {
    for (const dep of stage.deps) {
      if (dep.kind !== "output" || dep.fanIn !== true || !stages.has(dep.stage) || isSwept(dep.stage, new Set())) continue;
      const text = written.get(stage.name)?.get(dep.name) ?? `${dep.stage}${FAN_IN_SUFFIX}:${dep.out}`;
      const span = source.textSpan(["stages", stage.name, "deps", dep.name], text);
      errors.push(
        configError(
          "bad-sweep",
          source.file,
          span,
          `input "${dep.name}" of stage "${stage.name}" fans in over every variant of "${dep.stage}", but no sweep or foreach gives "${dep.stage}" variants`,
          `give ${dep.stage} a foreach: block (e.g. foreach: { seed: [1, 2, 3] }), sweep one of its params, or write ${dep.stage}:${dep.out}`,
        ),
      );
    }
  }
  return errors;
}
