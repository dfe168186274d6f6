// Parses the command line into a typed command; a usage error is a value with the text to print.
import { parseArgs } from "node:util";
import type { Result } from "../cache/result.js";
import { err, ok } from "../cache/result.js";

export interface CommonOptions {
  /** The pipeline file, relative to the working folder (default pipeline.yaml); paths inside it resolve against the project root (the working folder). */
  readonly file: string;
  readonly color: boolean;
}

export type Command =
  | { readonly name: "help"; readonly topic: string | undefined }
  | { readonly name: "version" }
  | (CommonOptions & {
      readonly name: "run";
      readonly targets: readonly string[];
      readonly until: string | undefined;
      readonly force: boolean;
      readonly dryRun: boolean;
      readonly jobs: number;
      readonly wait: boolean;
    })
  | (CommonOptions & { readonly name: "status"; readonly json: boolean; readonly targets: readonly string[] });

export interface UsageError {
  readonly reason: "usage";
  readonly message: string;
  readonly command: string | undefined;
}

export const HELP: Record<string, string> = {
  main: `dag — a declarative, cached DAG workflow runner

Usage: dag <command> [options]

Commands:
  run [STAGE…]     run every stale stage (or STAGE… and what they need), in dependency order
  status           say, per stage, whether it is cached, stale (and why) or never run

Options for every command:
  -f, --file PATH  the pipeline file (default: pipeline.yaml)
      --no-color   plain output
  -h, --help       help for a command: dag run --help
  -v, --version    the version of dag

Exit codes: 0 ok, 1 a stage failed, 2 a usage or config error, 130 interrupted.
`,
  run: `Usage: dag run [STAGE…] [options]

Runs the stages whose cache key changed, in dependency order; cached stages start no process.
With STAGE…, runs those stages and what they need.

Options:
      --until STAGE  run STAGE and everything upstream of it
      --force        re-run the selected stages even when cached
  -n, --dry-run      print what would run and why; run nothing
  -j, --jobs N       run up to N independent stages at once (default 1)
      --no-wait      fail at once if another dag run holds the project lock (default: wait)
  -f, --file PATH    the pipeline file (default: pipeline.yaml)
`,
  status: `Usage: dag status [STAGE…] [options]

One row per stage: cached, stale (with the reasons, in words) or never run, with the last
duration and headline metrics. Reads no unchanged file (a stat cache answers).

Options:
      --json         print {"stages":[{"name","state","reasons","outputs","metrics","seconds"}]}
  -f, --file PATH    the pipeline file (default: pipeline.yaml)
`,
};

const COMMANDS = ["run", "status", "help"] as const;

/** Parses argv (without node and the script). */
export function parseCommand(argv: readonly string[]): Result<Command, UsageError> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help") return ok({ name: "help", topic: undefined });
  if (first === "-v" || first === "--version") return ok({ name: "version" });
  if (first === "help") return ok({ name: "help", topic: rest[0] });
  if (!(COMMANDS as readonly string[]).includes(first)) {
    return err({ reason: "usage", command: undefined, message: `unknown command "${first}"; commands: run, status (see dag --help)` });
  }
  const common = {
    file: { type: "string", short: "f", default: "pipeline.yaml" },
    "no-color": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  } as const;
  try {
    if (first === "run") {
      const { values, positionals } = parseArgs({
        args: rest as string[],
        allowPositionals: true,
        options: {
          ...common,
          until: { type: "string" },
          force: { type: "boolean", default: false },
          "dry-run": { type: "boolean", short: "n", default: false },
          jobs: { type: "string", short: "j", default: "1" },
          "no-wait": { type: "boolean", default: false },
        },
      });
      if (values.help) return ok({ name: "help", topic: "run" });
      const jobs = Number(values.jobs);
      if (!Number.isInteger(jobs) || jobs < 1) {
        return err({ reason: "usage", command: "run", message: `--jobs takes a whole number of at least 1, got "${values.jobs}"` });
      }
      return ok({
        name: "run",
        file: values.file,
        color: !values["no-color"],
        targets: positionals,
        until: values.until,
        force: values.force,
        dryRun: values["dry-run"],
        jobs,
        wait: !values["no-wait"],
      });
    }
    const { values, positionals } = parseArgs({
      args: rest as string[],
      allowPositionals: true,
      options: { ...common, json: { type: "boolean", default: false } },
    });
    if (values.help) return ok({ name: "help", topic: "status" });
    return ok({ name: "status", file: values.file, color: !values["no-color"], json: values.json, targets: positionals });
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify.*$/s, "") : String(error);
    return err({ reason: "usage", command: first, message: `${message} (see dag ${first} --help)` });
  }
}
