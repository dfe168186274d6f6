#!/usr/bin/env node
// The `dag` command line: parses arguments, opens the project, dispatches, and maps outcomes to exit codes.
import { readFileSync } from "node:fs";
import { HELP, parseCommand } from "./cli-args.js";
import { formatConfigErrors } from "./config/config-error.js";
import { openProject } from "./project.js";
import { isWriteError, writeFailureOf } from "../cache/write-failure.js";
import { terminalOutput } from "./reporters/output.js";
import { writeFailureText } from "./reporters/write-failure-text.js";

async function main(argv: readonly string[]): Promise<number> {
  const output = terminalOutput();
  const parsed = parseCommand(argv);
  if (!parsed.ok) {
    output.error(`dag: ${parsed.error.message}`);
    return 2;
  }
  const command = parsed.value;
  switch (command.name) {
    case "help": {
      const text = command.topic === undefined ? HELP["main"] : HELP[command.topic];
      if (text === undefined) {
        output.error(`dag: no help for "${command.topic}"; commands: run, status, runs, diff, report, gc, graph, push, pull`);
        return 2;
      }
      output.out(text);
      return 0;
    }
    case "completion": {
      const { BASH_COMPLETION, ZSH_COMPLETION } = await import("./reporters/completion-scripts.js");
      output.out(command.shell === "bash" ? BASH_COMPLETION : ZSH_COMPLETION);
      return 0;
    }
    case "complete": {
      const { completeCommand } = await import("./commands/completion.js");
      return completeCommand(command.index, command.words, output);
    }
    case "version": {
      const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
      output.out(pkg.version);
      return 0;
    }
    case "run":
    case "status":
    case "runs":
    case "diff":
    case "report":
    case "graph":
    case "gc":
    case "push":
    case "pull": {
      const project = await openProject(command.file);
      if (!project.ok) {
        output.styledError(formatConfigErrors(project.error, { color: command.color && process.stderr.isTTY === true }));
        return 2;
      }
      // Each command loads only its own modules: listr2 and execa cost a status call a third of its time.
      switch (command.name) {
        case "status": {
          const { statusCommand } = await import("./commands/status.js");
          return statusCommand(project.value, command, output);
        }
        case "runs": {
          const { runsCommand } = await import("./commands/runs.js");
          return runsCommand(project.value, command, output);
        }
        case "diff": {
          const { diffCommand } = await import("./commands/diff.js");
          return diffCommand(project.value, command, output);
        }
        case "graph": {
          const { graphCommand } = await import("./commands/graph.js");
          return graphCommand(project.value, command, output);
        }
        case "report": {
          const { reportCommand } = await import("./commands/report.js");
          return reportCommand(project.value, command, output);
        }
        case "push": {
          const { pushCommand } = await import("./commands/push.js");
          return pushCommand(project.value, command, output);
        }
        case "run":
        case "gc":
        case "pull":
          break;
      }
      // run and gc wait for the lock and run stages: Ctrl-C stops them cleanly (a second one at once).
      const controller = new AbortController();
      let interrupts = 0;
      const onSignal = (): void => {
        interrupts += 1;
        if (interrupts > 1) process.exit(130);
        output.error("\ninterrupted: stopping (Ctrl-C again to quit at once)…");
        controller.abort();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        if (command.name === "pull") {
          const { pullCommand } = await import("./commands/pull.js");
          return await pullCommand(project.value, command, output, controller.signal);
        }
        if (command.name === "gc") {
          const { gcCommand } = await import("./commands/gc.js");
          return await gcCommand(project.value, command, output, controller.signal);
        }
        const { runCommand } = await import("./commands/run.js");
        return await runCommand(project.value, command, output, controller.signal);
      } catch (error) {
        if (!isWriteError(error)) throw error;
        output.error(`dag: ${writeFailureText(await writeFailureOf(project.value.dagDir, error), project.value.root)}`);
        return 1;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`dag: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
