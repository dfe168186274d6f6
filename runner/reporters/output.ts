// The one place the CLI writes to the terminal: standard output for results, standard error for problems.

export interface Output {
  /** Results (tables, JSON, progress). */
  out(text: string): void;
  /** Problems (config errors, usage errors, failures). */
  error(text: string): void;
  readonly stdout: NodeJS.WritableStream;
  readonly isTTY: boolean;
}

export function terminalOutput(): Output {
  return {
    out: (text) => process.stdout.write(text.endsWith("\n") ? text : text + "\n"),
    error: (text) => process.stderr.write(text.endsWith("\n") ? text : text + "\n"),
    stdout: process.stdout,
    isTTY: process.stdout.isTTY === true && process.env["CI"] === undefined,
  };
}
