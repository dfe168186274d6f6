// Temporary projects for end-to-end tests, and the real `dag` CLI run in them as a child process.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync, cpSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";

export const REPO = path.resolve(import.meta.dirname, "../..");
export const CLI = path.join(REPO, "dist/runner/cli.js");

/** The CLI the helpers run: dist/ by default; DAG_TEST_CLI names a frozen copy (the soak runs on one while dist/ is rebuilt). */
function cli(): string {
  return process.env["DAG_TEST_CLI"] ?? CLI;
}
const ECHO_STAGE = path.join(REPO, "test/fixtures/e2e/echo-stage.ts");
const FAULT_STAGE = path.join(REPO, "test/fixtures/e2e/fault-stage.ts");

/** A temp project holding the given files, plus stages/echo.ts and stages/fault.ts (the test stages). */
export function makeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dag-e2e-"));
  mkdirSync(path.join(dir, "stages"));
  cpSync(ECHO_STAGE, path.join(dir, "stages/echo.ts"));
  cpSync(FAULT_STAGE, path.join(dir, "stages/fault.ts"));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module", private: true }) + "\n");
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

export interface DagResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `dag ARGS` in the project (plain output, as in CI). */
export async function dag(dir: string, ...args: string[]): Promise<DagResult> {
  const r = await execa(process.execPath, [cli(), ...args], { cwd: dir, reject: false, env: { CI: "1", NO_COLOR: "1" } });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `dag ARGS` with extra environment variables (undefined: removed from the environment). */
export async function dagWithEnv(dir: string, env: Record<string, string | undefined>, ...args: string[]): Promise<DagResult> {
  const base: Record<string, string | undefined> = { ...process.env, CI: "1", NO_COLOR: "1" };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete base[name];
    else base[name] = value;
  }
  const r = await execa(process.execPath, [cli(), ...args], { cwd: dir, reject: false, env: base, extendEnv: false });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `dag ARGS` without waiting (for kill and concurrency tests). */
export function startDag(dir: string, ...args: string[]): ResultPromise<{ reject: false }> {
  return execa(process.execPath, [cli(), ...args], { cwd: dir, reject: false, env: { CI: "1", NO_COLOR: "1" } }) as ResultPromise<{ reject: false }>;
}

/** Which stages really ran a process, in order, from the log the echo stage appends to. */
export function runsLog(dir: string): string[] {
  const file = path.join(dir, "runs.log");
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => l.split(" ")[0] as string) : [];
}

/** Forgets the runs so far, so a test can count the runs of the next command alone. */
export function clearRuns(dir: string): void {
  writeFileSync(path.join(dir, "runs.log"), "");
}

export function read(dir: string, file: string): string {
  return readFileSync(path.join(dir, file), "utf8");
}

export function write(dir: string, file: string, content: string): void {
  writeFileSync(path.join(dir, file), content);
}

/** A three-stage chain a → b → c, with c also reading a workspace file. */
export const CHAIN_YAML = `params:
  seed: 7
stages:
  a:
    module: stages/echo.ts
    params: { text: A }
    outs: [out.txt]
  b:
    module: stages/echo.ts
    deps:
      x: a:out.txt
    params: { text: B, metric: 0.5 }
    outs: [out.txt]
  c:
    module: stages/echo.ts
    deps:
      x: b:out.txt
      raw: input.txt
    params: { text: C }
    outs: [out.txt, extra.txt]
`;
