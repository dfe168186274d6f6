// A problem found in a pipeline file, positioned at its line and column, and the printer for a list of them.
import path from "node:path";
import { oneLine, terminalSafe } from "../reporters/terminal-text.js";

/** What kind of problem a ConfigError is. */
export type ConfigErrorReason =
  | "yaml-syntax"
  | "schema"
  | "unknown-key"
  | "unknown-stage"
  | "unknown-output"
  | "unknown-param"
  | "duplicate-output"
  | "cycle"
  | "missing-input"
  | "bad-path"
  | "missing-module"
  | "missing-file"
  | "bad-sweep"
  | "bad-remote"
  | "bad-param"
  | "bad-param-schema";

/** One problem in a pipeline file. */
export interface ConfigError {
  readonly reason: ConfigErrorReason;
  /** The file as the user would type it: relative to the working directory when inside it. */
  readonly file: string;
  /** 1-based line; 0 when the problem is the file as a whole (it is printed without line:col). */
  readonly line: number;
  /** 1-based column of the first character of the offending text. */
  readonly col: number;
  /** 1-based column just past the offending text on the same line (exclusive); absent: one character. */
  readonly endCol?: number;
  /** One line saying what is wrong, e.g. `unknown key "parms" in stage "ridge"`. */
  readonly message: string;
  /** How to fix it, e.g. `did you mean "params"?`. */
  readonly hint?: string;
  /** The text of the offending line (no line break), shown under the message. */
  readonly sourceLine?: string;
}

/** Where in a file a problem is: the fields of ConfigError that position it. */
export interface Span {
  readonly line: number;
  readonly col: number;
  readonly endCol?: number;
  readonly sourceLine?: string;
}

/** Builds a ConfigError, leaving out an absent hint. */
export function configError(
  reason: ConfigErrorReason,
  file: string,
  span: Span,
  message: string,
  hint?: string,
): ConfigError {
  return { reason, file, ...span, message, ...(hint === undefined ? {} : { hint }) };
}

/** How a file is named in messages: relative to the working directory when inside it, else absolute. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const absolute = path.resolve(cwd, file);
  const relative = path.relative(cwd, absolute);
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) return absolute;
  return relative.split(path.sep).join("/");
}

/** Orders errors by file, then position, keeping the order of errors at the same place. */
export function sortConfigErrors(errors: readonly ConfigError[]): ConfigError[] {
  return errors
    .map((error, index) => ({ error, index }))
    .sort(
      (a, b) =>
        (a.error.file < b.error.file ? -1 : a.error.file > b.error.file ? 1 : 0) ||
        a.error.line - b.error.line ||
        a.error.col - b.error.col ||
        a.index - b.index,
    )
    .map(({ error }) => error);
}

const ansi = {
  bold: (s: string) => `\u001b[1m${s}\u001b[22m`,
  red: (s: string) => `\u001b[31m${s}\u001b[39m`,
  cyan: (s: string) => `\u001b[36m${s}\u001b[39m`,
  dim: (s: string) => `\u001b[2m${s}\u001b[22m`,
};
const plain = { bold: (s: string) => s, red: (s: string) => s, cyan: (s: string) => s, dim: (s: string) => s };

/**
 * Prints every error as one block, blocks separated by a blank line, ending in a newline:
 *
 *     pipeline.yaml:31:5 error: unknown key "parms" in stage "ridge"
 *       31 |     parms:
 *          |     ^^^^^
 *       hint: did you mean "params"?
 */
export function formatConfigErrors(errors: readonly ConfigError[], options: { color?: boolean } = {}): string {
  const style = options.color === true ? ansi : plain;
  return errors.map((error) => formatOne(error, style)).join("\n");
}

function formatOne(error: ConfigError, style: typeof plain): string {
  const where = oneLine(error.line > 0 ? `${error.file}:${error.line}:${error.col}` : error.file);
  const lines = [`${style.bold(where)} ${style.red("error:")} ${style.bold(terminalSafe(error.message))}`];
  if (error.line > 0 && error.sourceLine !== undefined) {
    const number = String(error.line);
    const gutter = " ".repeat(number.length);
    // Control characters in the file would move the caret line: they are shown as spaces.
    const source = error.sourceLine.replace(/\r$/, "").replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, " ");
    // Keep tabs in the underline's indent so the carets line up under the source text.
    const indent = source.slice(0, Math.max(0, error.col - 1)).replace(/[^\t]/g, " ");
    const width = Math.max(1, (error.endCol ?? error.col + 1) - error.col);
    lines.push(`  ${style.cyan(`${number} |`)} ${source}`);
    lines.push(`  ${style.cyan(`${gutter} |`)} ${indent}${style.red("^".repeat(width))}`);
  }
  if (error.hint !== undefined) lines.push(`  ${style.cyan("hint:")} ${terminalSafe(error.hint)}`);
  return lines.join("\n") + "\n";
}
