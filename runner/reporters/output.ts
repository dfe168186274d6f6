// The one place the CLI writes to the terminal: standard output for results, standard error for problems, control sequences stripped.
import { terminalSafe } from "./terminal-text.js";

export interface Output {
  /** Results (tables, JSON, progress); anything a terminal would act on is stripped (terminal-text.ts). */
  out(text: string): void;
  /** Problems (config errors, usage errors, failures), stripped the same way. */
  error(text: string): void;
  /** A problem the caller styled itself (colours), every part of it from outside already made terminalSafe. */
  styledError(text: string): void;
  readonly stdout: NodeJS.WritableStream;
  readonly isTTY: boolean;
}

function line(text: string): string {
  return text.endsWith("\n") ? text : text + "\n";
}

export function terminalOutput(): Output {
  // A reader that stopped reading (`dag runs | head`) ends the command quietly, not with a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  return {
    out: (text) => process.stdout.write(line(terminalSafe(text))),
    error: (text) => process.stderr.write(line(terminalSafe(text))),
    styledError: (text) => process.stderr.write(line(text)),
    stdout: process.stdout,
    isTTY: process.stdout.isTTY === true && process.env["CI"] === undefined,
  };
}
