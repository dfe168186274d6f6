// `dag __complete CWORD WORDS…`: the candidates for the word being completed (commands, flags, stage and variant names, --set params), one a line.
import path from "node:path";
import { COMPLETED_COMMANDS, flagsOf } from "../cli-args.js";
import { loadPipeline } from "../config/load-pipeline.js";
import { flattenParams } from "../param-values.js";
import { expandSweep } from "../sweep.js";
import type { Output } from "../reporters/output.js";

/** Flags whose next word is a file: the shell completes it. */
const FILE_FLAGS = new Set(["-f", "--file", "-o", "--out"]);
/** Commands that take stage or variant names. */
const STAGE_COMMANDS = new Set(["run", "status", "runs", "diff", "report", "graph", "dag"]);

/** Prints the candidates; never fails (a broken pipeline file just offers no stage names). */
export async function completeCommand(index: number, words: readonly string[], output: Output): Promise<number> {
  const current = words[index] ?? "";
  const previous = words[index - 1] ?? "";
  const command = words[1] === "exp" ? "runs" : words[1];
  const print = (candidates: readonly string[]): number => {
    const shown = candidates.filter((c) => c.startsWith(current));
    if (shown.length > 0) output.out(shown.join("\n"));
    return 0;
  };
  if (index <= 1 || command === undefined) return print([...COMPLETED_COMMANDS]);
  if (command === "help") return print([...COMPLETED_COMMANDS]);
  if (command === "completion") return print(["bash", "zsh"]);
  if (FILE_FLAGS.has(previous)) return 0;
  if (current.startsWith("-")) return print(flagsOf(command));
  if (!STAGE_COMMANDS.has(command)) return 0;
  const fileAt = words.findIndex((w) => w === "-f" || w === "--file");
  const file = fileAt > 0 ? (words[fileAt + 1] ?? "pipeline.yaml") : "pipeline.yaml";
  const loaded = await loadPipeline(path.resolve(file), process.cwd());
  if (!loaded.ok) return 0;
  const expanded = expandSweep(loaded.value);
  if (previous === "--set") {
    const params: string[] = [];
    for (const stage of loaded.value.stages.values()) {
      const declared = Object.keys(flattenParams(stage.params));
      const schema = Object.keys(stage.paramSchema?.root.properties ?? {});
      for (const p of new Set([...declared, ...schema])) params.push(`${stage.name}.${p}=`);
    }
    return print(params);
  }
  const names = new Set<string>();
  for (const spec of expanded.stages.values()) {
    names.add(spec.base);
    names.add(spec.name);
  }
  return print([...names]);
}
