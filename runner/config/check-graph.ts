// Checks across stages: every STAGE:OUT names a declared output, no cycles, no two stages sharing an output folder.
import type { ConfigError, Span } from "./config-error.js";
import { configError } from "./config-error.js";
import { didYouMeanHint } from "./did-you-mean.js";
import { findCycles, formatCycle } from "../graph.js";
import type { StageDraft } from "./build-stage.js";
import type { YamlSource } from "./read-yaml.js";

/** Every cross-stage problem among the drafts (which are in file order). */
export function checkGraph(drafts: readonly StageDraft[], source: YamlSource): ConfigError[] {
  const errors: ConfigError[] = [];
  const byName = new Map(drafts.map((draft) => [draft.name, draft]));

  const graph = new Map<string, string[]>();
  for (const draft of drafts) {
    const upstream: string[] = [];
    for (const dep of draft.deps) {
      if (dep.kind !== "output") continue;
      const where = ["stages", draft.name, "deps", dep.name];
      const written = draft.written.get(dep.name) ?? `${dep.stage}:${dep.out}`;
      const span = source.textSpan(where, written);
      const producer = byName.get(dep.stage);
      if (dep.stage === "" || dep.out === "") {
        const example = producer?.outs[0] === undefined ? "STAGE:OUT, e.g. load:captions.npy" : `${dep.stage}:OUT, e.g. ${dep.stage}:${producer.outs[0]}`;
        const missing = dep.stage === "" ? "no stage" : `stage "${dep.stage}" but no output`;
        errors.push(configError(dep.stage === "" ? "unknown-stage" : "unknown-output", source.file, span, `input "${dep.name}" of stage "${draft.name}" names ${missing}`, `write ${example}`));
        if (producer !== undefined && !upstream.includes(dep.stage)) upstream.push(dep.stage);
        continue;
      }
      if (producer === undefined) {
        const hint = didYouMeanHint(dep.stage, byName.keys()) ?? `stages: ${[...byName.keys()].join(", ")}`;
        errors.push(configError("unknown-stage", source.file, part(span, written, 0, dep.stage.length), `input "${dep.name}" of stage "${draft.name}" refers to unknown stage "${dep.stage}"`, hint));
        continue;
      }
      if (!upstream.includes(dep.stage)) upstream.push(dep.stage);
      if (producer.outsKnown && !producer.outs.includes(dep.out)) {
        const hint = didYouMeanHint(dep.out, producer.outs) ?? `its outputs: ${producer.outs.join(", ")}`;
        errors.push(configError("unknown-output", source.file, part(span, written, dep.stage.length + 1, written.length), `stage "${dep.stage}" has no output "${dep.out}"`, hint));
      }
    }
    graph.set(draft.name, upstream);
  }

  for (const cycle of findCycles(graph)) {
    const first = cycle[0] as string;
    errors.push(
      configError("cycle", source.file, source.keySpan(["stages", first]), `dependency cycle: ${formatCycle(cycle)}`, "a stage cannot read its own outputs, directly or through other stages"),
    );
  }

  const folders = new Map<string, string>();
  for (const draft of drafts) {
    const folder = draft.name.toLowerCase();
    const other = folders.get(folder);
    if (other === undefined) {
      folders.set(folder, draft.name);
      continue;
    }
    errors.push(
      configError("duplicate-output", source.file, source.keySpan(["stages", draft.name]), `stages "${other}" and "${draft.name}" would share the output folder artifacts/${folder}/`, "rename one of them"),
    );
  }
  return errors;
}

/** The part [from, to) of `written` when `span` covers exactly `written` on one line, else `span`. */
function part(span: Span, written: string, from: number, to: number): Span {
  if (span.endCol === undefined || span.endCol - span.col !== written.length || to <= from) return span;
  return { ...span, col: span.col + from, endCol: span.col + to };
}
