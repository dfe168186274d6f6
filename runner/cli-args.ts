// Parses the command line into a typed command; a usage error is a value with the text to print.
import { parseArgs } from "node:util";
import type { Result } from "../cache/result.js";
import { err, ok } from "../cache/result.js";
import { didYouMean, didYouMeanHint } from "./config/did-you-mean.js";
import { parseOverride, type ParamOverride } from "./param-overrides.js";
import type { ForceMode } from "./force-plan.js";
import { parseDuration, parseSize } from "./quantities.js";
import { EXECUTOR_NAMES, type ExecutorName } from "./executors/executor-config.js";

export interface CommonOptions {
  /** The pipeline file, relative to the working folder (default pipeline.yaml); paths inside it resolve against the project root (the working folder). */
  readonly file: string;
  readonly color: boolean;
}

/** How `dag runs` orders its rows: by a metric, a param or `seconds`/`started`, highest first unless ascending. */
export interface SortOrder {
  readonly key: string;
  readonly ascending: boolean;
}

/** The output formats of `dag runs`. */
export type RunsFormat = "table" | "json" | "csv" | "md";

export type Command =
  | { readonly name: "help"; readonly topic: string | undefined }
  | { readonly name: "version" }
  /** `dag completion bash|zsh`: prints the shell's completion script. */
  | { readonly name: "completion"; readonly shell: "bash" | "zsh" }
  /** `dag __complete CWORD WORDS…`: what the completion scripts call. */
  | { readonly name: "complete"; readonly index: number; readonly words: readonly string[] }
  | (CommonOptions & {
      readonly name: "run";
      readonly targets: readonly string[];
      readonly until: string | undefined;
      /** `--force`: re-run the named stages (all selected when none is named); `--force-upstream`: and everything they need. */
      readonly force: ForceMode;
      readonly dryRun: boolean;
      readonly jobs: number;
      readonly wait: boolean;
      /** `--set stage.param=value` overrides, in order (a later one wins). */
      readonly set: readonly ParamOverride[];
      /** False with `--no-sweep`: run the file's own variant only. */
      readonly sweep: boolean;
      /** `--executor local|slurm`: overrides pipeline.yaml's `executor:`. */
      readonly executor: ExecutorName | undefined;
      /** `--pull`: a local miss the remote has is downloaded instead of computed. */
      readonly pull: boolean;
      /** `--push`: each entry computed is uploaded to the remote. */
      readonly push: boolean;
      /** `-r NAME`: the remote for --pull/--push (default: the configured default). */
      readonly remote: string | undefined;
    })
  | (CommonOptions & {
      readonly name: "status";
      readonly json: boolean;
      readonly targets: readonly string[];
      /** `--params`: each stage's params as it receives them (schema defaults marked) instead of its state. */
      readonly params: boolean;
      readonly wide: boolean;
    })
  | (CommonOptions & { readonly name: "runs"; readonly targets: readonly string[]; readonly sort: SortOrder | undefined; readonly format: RunsFormat; readonly wide: boolean })
  | (CommonOptions & {
      readonly name: "graph";
      readonly targets: readonly string[];
      readonly format: "text" | "dot" | "mermaid";
      /** One node per sweep variant instead of one per stage. */
      readonly variants: boolean;
      /** Lines as long as they are, not cut to the terminal. */
      readonly wide: boolean;
    })
  | (CommonOptions & { readonly name: "diff"; readonly a: string; readonly b: string; readonly json: boolean; readonly wide: boolean })
  | (CommonOptions & { readonly name: "report"; readonly targets: readonly string[]; readonly out: string })
  | (CommonOptions & {
      readonly name: "gc";
      /** Also keep the N newest entries of every stage. */
      readonly keepLast: number;
      /** Only remove entries older than this many seconds. */
      readonly olderThan: number | undefined;
      /** Only remove (oldest first) until the store is at most this many bytes. */
      readonly maxSize: number | undefined;
      readonly dryRun: boolean;
      readonly wait: boolean;
      /** `--remote [NAME]`: collect the remote instead of the local store; "" names the default remote. */
      readonly remote: string | undefined;
    })
  | (CommonOptions & TransferOptions & { readonly name: "push" })
  | (CommonOptions & TransferOptions & { readonly name: "pull" });

/** The options `dag push` and `dag pull` share. */
export interface TransferOptions {
  readonly targets: readonly string[];
  /** Every entry (push: of the local store; pull: of the remote), not only what the pipeline resolves to. */
  readonly all: boolean;
  /** Also every variant of the sweep block. */
  readonly sweep: boolean;
  /** `-r NAME`: the remote (default: the configured default). */
  readonly remote: string | undefined;
  /** Pull only: wait for the project lock (false with --no-wait). */
  readonly wait: boolean;
}

export interface UsageError {
  readonly reason: "usage";
  readonly message: string;
  readonly command: string | undefined;
}

export const HELP: Record<string, string> = {
  main: `dag — a declarative, cached DAG workflow runner

Usage: dag <command> [options]

Commands:
  run [STAGE…]     run every stale stage (or STAGE… and what they need), in dependency order;
                   with a sweep block, every variant
  status           say, per stage, whether it is cached, stale (and why) or never run
  runs [STAGE…]    a table of every cached variant: differing params, metrics, time (alias: exp show)
  diff A B         two variants' params and metrics side by side
  report           write an HTML page: the graph, metrics tables, training curves, sweep plots
  gc               remove cache entries the current pipeline no longer reaches
  push [STAGE…]    upload the entries the pipeline resolves to to a remote (skips what it has)
  pull [STAGE…]    download them from a remote (verified before they are used)
  graph [STAGE…]   the pipeline graph with each stage's state (alias: dag); --dot, --mermaid
  completion SHELL a completion script for bash or zsh: eval "$(dag completion bash)"

Options for every command:
  -f, --file PATH  the pipeline file (default: pipeline.yaml)
      --no-color   plain output
  -h, --help       help for a command: dag run --help
  -v, --version    the version of dag

Exit codes: 0 ok, 1 a stage failed, 2 a usage or config error, 130 interrupted.

Examples:
  dag run                              run what is stale
  dag status --params                  each stage's params, defaults marked
  dag runs --sort mrr_full             compare every cached variant
`,
  run: `Usage: dag run [STAGE…] [options]

Runs the stages whose cache key changed, in dependency order; cached stages start no process.
With STAGE…, runs those stages and what they need (a stage's name selects all its sweep
variants; a variant's name, e.g. 'ridge[alpha=0.01]', that variant).

Options:
      --until STAGE        run STAGE and everything upstream of it
      --force              re-run the named stages even when cached (upstream stages come from
                           the cache as they are); with no stage named, every stage
  -F, --force-upstream     re-run the named stages and everything upstream of them
  -n, --dry-run            print what would run and why; run nothing
  -j, --jobs N             run up to N independent stages at once (default 1)
      --set STAGE.PARAM=V  override a param for this run (V is YAML: 5, true, [1, 2]); repeatable
      --no-sweep           ignore the sweep block: run the file's own variant only
      --no-wait            fail at once if another dag run holds the project lock (default: wait)
      --executor NAME      where stages run: local (child processes) or slurm (one sbatch job
                           each; -j bounds the jobs in flight); default: pipeline.yaml's executor:
      --pull               read through the remote: a miss it has is downloaded, not computed
      --push               write through: upload each entry computed to the remote
  -r, --remote NAME        the remote for --pull/--push (default: remote.default)
  -f, --file PATH          the pipeline file (default: pipeline.yaml)

Examples:
  dag run --until ridge                ridge and what it needs
  dag run --force finetune             re-run finetune on the cached ridge
  dag run --set ridge.alpha=0.1 -n     what an override would re-run
`,
  push: `Usage: dag push [STAGE…] [options]

Uploads to a remote the entries the pipeline file resolves to (STAGE…: those stages and what
they need). File contents are stored by hash, so content the remote has (from any stage or
variant) is not sent again; an entry's manifest goes last, so the remote never shows half an entry.

Options:
      --sweep            also every variant of the sweep block
      --all              every entry of the local store
  -r, --remote NAME      the remote (default: remote.default, or the only one)
  -f, --file PATH        the pipeline file (default: pipeline.yaml)
`,
  pull: `Usage: dag pull [STAGE…] [options]

Downloads from a remote the entries the pipeline file resolves to that are not here, in
dependency order, so that dag run then has nothing to compute. Every file is checked against its
manifest's hashes before it becomes a local entry; a damaged remote copy is reported, not used.

Options:
      --sweep            also every variant of the sweep block
      --all              every entry the remote holds of the pipeline's stages
  -r, --remote NAME      the remote (default: remote.default, or the only one)
      --no-wait          fail at once if a dag run holds the project lock (default: wait)
  -f, --file PATH        the pipeline file (default: pipeline.yaml)
`,
  status: `Usage: dag status [STAGE…] [options]

One row per stage (and sweep variant): cached, stale (with the reasons, in words), never run, or
in remote (missing here, held by the default remote), with the last duration and headline metrics.
Warns where dag.lock and the workspace disagree. Reads no unchanged file (a stat cache answers).

Options:
      --json         print {"stages":[{"name","state","reasons","outputs","metrics","seconds"}]}
      --params       each stage's params as the stage receives them: the file's values, the
                     defaults of its params schema (marked), declared params left unset
  -f, --file PATH    the pipeline file (default: pipeline.yaml)
      --wide         do not fit the table to the terminal width

Examples:
  dag status                           every stage
  dag status finetune --json           one stage, for scripts
  dag status --params ridge            ridge's params, schema defaults marked
`,
  runs: `Usage: dag runs [STAGE…] [options]      (also: dag exp show)

Every cached variant of the selected stages (default: all), one table per stage: the params that
differ between its entries (upstream ones as STAGE.PARAM), its metrics, how long it took and when
it ran. ● marks the entry the pipeline file resolves to, ○ the other variants of its sweep.

Options:
      --sort KEY[:asc]  order by a metric, a param, "seconds" or "started" (highest first;
                        :asc for lowest first), e.g. --sort mrr_batch100
      --json            print {"stages":[{"stage","params","metrics","runs":[…]}]}
      --csv             print one CSV table (a row per entry, params.* and metrics.* columns)
      --md              print Markdown tables, for reports
  -f, --file PATH       the pipeline file (default: pipeline.yaml)
      --wide            do not fit the tables to the terminal width

Examples:
  dag runs ridge --sort mrr_full       ridge's variants, best first
  dag runs --csv > runs.csv            one table for a spreadsheet
  dag exp show -f experiments/sweep-demo.yaml
`,
  diff: `Usage: dag diff A B [options]

Two cached variants side by side: the params that differ (upstream ones as STAGE.PARAM), every
metric with the change, duration, and other differences of their inputs or code. A and B name an
entry by key (as dag runs shows it; a unique prefix is enough, or STAGE:KEY), or a stage of the
pipeline, e.g. ridge or 'ridge[alpha=0.01]' (the entry it resolves to, else its current one).

Options:
      --json         print {"a":{…},"b":{…},"params":[…],"metrics":[…],"other":[…]}
  -f, --file PATH    the pipeline file (default: pipeline.yaml)
      --wide         do not fit the table to the terminal width

Examples:
  dag diff 'ridge[alpha=0.01]' 'ridge[alpha=0.1]'
  dag diff 3f2a1b4c 9e8d7c6b           two entries by key prefix
  dag diff finetune ridge:3f2a --json
`,
  report: `Usage: dag report [STAGE…] [options]

Writes one self-contained HTML page (no network needed to view it): the pipeline graph, a metrics
table per stage, training curves of every entry that wrote curve.json, and each swept param
against the metrics of the stages it affects.

Options:
  -o, --out PATH     where to write the page (default: report.html)
  -f, --file PATH    the pipeline file (default: pipeline.yaml)

Examples:
  dag report                           write report.html
  dag report -o out/report.html        into an existing folder
  dag report -f experiments/sweep-demo.yaml -o sweep.html
`,
  graph: `Usage: dag graph [STAGE…] [options]      (also: dag dag)

The pipeline graph with each stage's state (✔ cached, ● stale with the reasons, ○ never run): a
tree, each stage under the last stage it reads, the others it reads named after it. With STAGE…,
those stages and what they need. Sweep variants are folded into their stage (with their states
counted); --variants shows one node each. Reads nothing it need not, changes nothing.

Options:
      --dot          print Graphviz dot (dag graph --dot | dot -Tsvg > dag.svg)
      --mermaid      print a Mermaid flowchart (for Markdown documents)
      --variants     one node per sweep variant
      --wide         do not cut lines to the terminal width
  -f, --file PATH    the pipeline file (default: pipeline.yaml)

Examples:
  dag graph                            the tree, with states
  dag dag -f experiments/sweep-demo.yaml --variants
  dag graph --mermaid > docs/pipeline.mmd
`,
  completion: `Usage: dag completion bash|zsh

Prints a script that completes dag's commands, flags, stage and variant names (from the pipeline
file in the current folder, or the one -f names) and --set STAGE.PARAM= names.

Examples:
  eval "$(dag completion bash)"        in ~/.bashrc
  eval "$(dag completion zsh)"         in ~/.zshrc, after compinit
  dag completion bash > /etc/bash_completion.d/dag
`,
  gc: `Usage: dag gc [options]

Removes cache entries the current pipeline (with its sweep) does not reach: reachable are the
entries its stages resolve to and those their artifacts/ links point at. Takes the project lock,
so a running dag run never loses an entry it uses.

Options:
      --keep-last N     also keep the N newest entries of every stage (default 0)
      --older-than AGE  only remove entries older than AGE (30m, 12h, 7d, 2w)
      --max-size SIZE   only remove, oldest first, until the store is at most SIZE (500M, 2G)
  -n, --dry-run         list what would be removed and the space it would free; remove nothing
      --no-wait         fail at once if a dag run holds the project lock (default: wait)
      --remote [NAME]   collect the remote instead (default remote without NAME): drops the entries
                        no pipeline file's resolution, lock or link reaches, then unreferenced files
  -f, --file PATH       the pipeline file (default: pipeline.yaml)

Examples:
  dag gc -n                            what would go, and the space it frees
  dag gc --keep-last 3                 keep each stage's three newest too
  dag gc --max-size 2G --older-than 7d
`,
};

const COMMANDS = ["run", "status", "runs", "exp", "diff", "report", "gc", "graph", "dag", "push", "pull", "help", "completion"] as const;

/** What the shell completes as a command. */
export const COMPLETED_COMMANDS = ["run", "status", "runs", "exp", "diff", "report", "gc", "graph", "dag", "push", "pull", "completion", "help"] as const;
const LISTED = "run, status, runs, diff, report, gc, graph, push, pull";

/** The long flags a command takes, read from its help text (the one list of them), plus the common ones. */
export function flagsOf(command: string): string[] {
  const text = HELP[command === "exp" ? "runs" : command] ?? "";
  return [...new Set([...(text.match(/--[a-z][a-z-]*/g) ?? []), "--help", "--no-color", "--file"])];
}

/** Parses argv (without node and the script). */
export function parseCommand(argv: readonly string[]): Result<Command, UsageError> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help") return ok({ name: "help", topic: undefined });
  if (first === "-v" || first === "--version") return ok({ name: "version" });
  if (first === "help") return ok({ name: "help", topic: rest[0] === "exp" ? "runs" : rest[0] === "dag" ? "graph" : rest[0] });
  if (first === "dag") return parseCommand(["graph", ...rest]);
  if (first === "__complete") {
    const index = Number(rest[0]);
    return ok({ name: "complete", index: Number.isInteger(index) ? index : rest.length - 1, words: rest.slice(1) });
  }
  if (first === "completion") {
    const shell = rest[0];
    if (shell === "-h" || shell === "--help") return ok({ name: "help", topic: "completion" });
    if (shell !== "bash" && shell !== "zsh") return err({ reason: "usage", command: "completion", message: `dag completion takes bash or zsh, got ${shell === undefined ? "nothing" : `"${shell}"`}; e.g. eval "$(dag completion bash)"` });
    return ok({ name: "completion", shell });
  }
  if (!(COMMANDS as readonly string[]).includes(first)) {
    const hint = didYouMeanHint(first, LISTED.split(", "));
    return err({ reason: "usage", command: undefined, message: `unknown command "${first}"${hint ? `; ${hint}` : ""}; commands: ${LISTED} (see dag --help)` });
  }
  if (first === "exp") {
    const [sub, ...more] = rest;
    if (sub === "show") return parseCommand(["runs", ...more]);
    if (sub === "-h" || sub === "--help") return ok({ name: "help", topic: "runs" });
    return err({ reason: "usage", command: "runs", message: `dag exp takes "show" (the same as dag runs), got ${sub === undefined ? "nothing" : `"${sub}"`}` });
  }
  const common = {
    file: { type: "string", short: "f", default: "pipeline.yaml" },
    "no-color": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  } as const;
  const usage = (message: string): Result<Command, UsageError> => err({ reason: "usage", command: first, message });
  try {
    switch (first) {
      case "run": {
        const { values, positionals } = parseArgs({
          args: rest as string[],
          allowPositionals: true,
          options: {
            ...common,
            until: { type: "string" },
            force: { type: "boolean", default: false },
            "force-upstream": { type: "boolean", short: "F", default: false },
            "dry-run": { type: "boolean", short: "n", default: false },
            jobs: { type: "string", short: "j", default: "1" },
            "no-wait": { type: "boolean", default: false },
            set: { type: "string", multiple: true, default: [] },
            "no-sweep": { type: "boolean", default: false },
            executor: { type: "string" },
            pull: { type: "boolean", default: false },
            push: { type: "boolean", default: false },
            remote: { type: "string", short: "r" },
          },
        });
        if (values.help) return ok({ name: "help", topic: "run" });
        const executor = values.executor;
        if (executor !== undefined && !(EXECUTOR_NAMES as readonly string[]).includes(executor)) {
          const hint = didYouMeanHint(executor, EXECUTOR_NAMES);
          return usage(`--executor takes ${EXECUTOR_NAMES.join(" or ")}, got "${executor}"${hint ? `; ${hint}` : ""}`);
        }
        const jobs = Number(values.jobs);
        if (!Number.isInteger(jobs) || jobs < 1) return usage(`--jobs takes a whole number of at least 1, got "${values.jobs}"`);
        const set: ParamOverride[] = [];
        for (const text of values.set) {
          const parsed = parseOverride(text);
          if (!parsed.ok) return usage(parsed.error.message);
          set.push(parsed.value);
        }
        return ok({
          name: "run",
          file: values.file,
          color: !values["no-color"],
          targets: positionals,
          until: values.until,
          force: values["force-upstream"] ? "upstream" : values.force ? "named" : "none",
          dryRun: values["dry-run"],
          jobs,
          wait: !values["no-wait"],
          set,
          sweep: !values["no-sweep"],
          executor: executor as ExecutorName | undefined,
          pull: values.pull,
          push: values.push,
          remote: values.remote,
        });
      }
      case "status": {
        const { values, positionals } = parseArgs({
          args: rest as string[],
          allowPositionals: true,
          options: { ...common, json: { type: "boolean", default: false }, params: { type: "boolean", default: false }, wide: { type: "boolean", default: false } },
        });
        if (values.help) return ok({ name: "help", topic: "status" });
        return ok({ name: "status", file: values.file, color: !values["no-color"], json: values.json, targets: positionals, params: values.params, wide: values.wide });
      }
      case "runs": {
        const { values, positionals } = parseArgs({
          args: rest as string[],
          allowPositionals: true,
          options: {
            ...common,
            sort: { type: "string" },
            json: { type: "boolean", default: false },
            csv: { type: "boolean", default: false },
            md: { type: "boolean", default: false },
            wide: { type: "boolean", default: false },
          },
        });
        if (values.help) return ok({ name: "help", topic: "runs" });
        const formats = (["json", "csv", "md"] as const).filter((f) => values[f]);
        if (formats.length > 1) return usage(`choose one of --json, --csv and --md, not ${formats.map((f) => `--${f}`).join(" and ")}`);
        let sort: SortOrder | undefined;
        if (values.sort !== undefined) {
          const match = /^(.+?)(?::(asc|desc))?$/.exec(values.sort);
          if (match === null || (match[1] as string).trim() === "") return usage(`--sort takes a metric or param name, e.g. --sort mrr_batch100 or --sort loss:asc`);
          sort = { key: match[1] as string, ascending: match[2] === "asc" };
        }
        return ok({ name: "runs", file: values.file, color: !values["no-color"], targets: positionals, sort, format: formats[0] ?? "table", wide: values.wide });
      }
      case "diff": {
        const { values, positionals } = parseArgs({
          args: rest as string[],
          allowPositionals: true,
          options: { ...common, json: { type: "boolean", default: false }, wide: { type: "boolean", default: false } },
        });
        if (values.help) return ok({ name: "help", topic: "diff" });
        if (positionals.length !== 2) return usage(`dag diff takes two variants (keys or stage names), got ${positionals.length}`);
        return ok({ name: "diff", file: values.file, color: !values["no-color"], a: positionals[0] as string, b: positionals[1] as string, json: values.json, wide: values.wide });
      }
      case "report": {
        const { values, positionals } = parseArgs({
          args: rest as string[],
          allowPositionals: true,
          options: { ...common, out: { type: "string", short: "o", default: "report.html" } },
        });
        if (values.help) return ok({ name: "help", topic: "report" });
        return ok({ name: "report", file: values.file, color: !values["no-color"], targets: positionals, out: values.out });
      }
      case "graph": {
        const { values, positionals } = parseArgs({
          args: rest as string[],
          allowPositionals: true,
          options: {
            ...common,
            dot: { type: "boolean", default: false },
            mermaid: { type: "boolean", default: false },
            variants: { type: "boolean", default: false },
            wide: { type: "boolean", default: false },
          },
        });
        if (values.help) return ok({ name: "help", topic: "graph" });
        if (values.dot && values.mermaid) return usage("choose one of --dot and --mermaid");
        return ok({
          name: "graph",
          file: values.file,
          color: !values["no-color"],
          targets: positionals,
          format: values.dot ? "dot" : values.mermaid ? "mermaid" : "text",
          variants: values.variants,
          wide: values.wide,
        });
      }
      case "gc": {
        const { values, positionals } = parseArgs({
          args: rest as string[],
          allowPositionals: true,
          options: {
            ...common,
            "keep-last": { type: "string", default: "0" },
            "older-than": { type: "string" },
            "max-size": { type: "string" },
            "dry-run": { type: "boolean", short: "n", default: false },
            "no-wait": { type: "boolean", default: false },
            remote: { type: "boolean", default: false },
          },
        });
        if (values.help) return ok({ name: "help", topic: "gc" });
        // `--remote NAME`: parseArgs takes --remote as a switch; the name, if any, is the one positional.
        const remoteName = values.remote ? (positionals.shift() ?? "") : undefined;
        if (positionals.length > 0) return usage(`dag gc takes no stage names, got "${positionals.join(" ")}"`);
        const keepLast = Number(values["keep-last"]);
        if (!Number.isInteger(keepLast) || keepLast < 0) return usage(`--keep-last takes a whole number, got "${values["keep-last"]}"`);
        const olderThan = values["older-than"] === undefined ? undefined : parseDuration(values["older-than"]);
        if (olderThan !== undefined && !olderThan.ok) return usage(`--older-than: ${olderThan.error}`);
        const maxSize = values["max-size"] === undefined ? undefined : parseSize(values["max-size"]);
        if (maxSize !== undefined && !maxSize.ok) return usage(`--max-size: ${maxSize.error}`);
        return ok({
          name: "gc",
          file: values.file,
          color: !values["no-color"],
          keepLast,
          olderThan: olderThan?.value,
          maxSize: maxSize?.value,
          dryRun: values["dry-run"],
          wait: !values["no-wait"],
          remote: remoteName,
        });
      }
      case "push":
      case "pull": {
        const { values, positionals } = parseArgs({
          args: rest as string[],
          allowPositionals: true,
          options: {
            ...common,
            all: { type: "boolean", default: false },
            sweep: { type: "boolean", default: false },
            remote: { type: "string", short: "r" },
            "no-wait": { type: "boolean", default: false },
          },
        });
        if (values.help) return ok({ name: "help", topic: first });
        const options = {
          file: values.file,
          color: !values["no-color"],
          targets: positionals,
          all: values.all,
          sweep: values.sweep,
          remote: values.remote,
          wait: !values["no-wait"],
        };
        return ok(first === "push" ? { name: "push", ...options } : { name: "pull", ...options });
      }
      default:
        return usage(`unknown command "${first}"`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify.*$/s, "") : String(error);
    const unknown = /^Unknown option '(-[^']*)'/.exec(message);
    if (unknown !== null) {
      const flag = unknown[1] as string;
      const near = didYouMean(flag, flagsOf(first));
      return usage(`Unknown option '${flag}'.${near === undefined ? "" : ` Did you mean ${near}?`} (see dag ${first} --help)`);
    }
    return usage(`${message} (see dag ${first} --help)`);
  }
}
