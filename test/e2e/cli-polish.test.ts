// End-to-end: help with examples, shell completion, tables that fit the terminal, gc's unreachable --max-size, report -o, make-synthetic --help.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { CHAIN_YAML, CLI, dag, dagWithEnv, makeProject, read, REPO, write } from "./project.js";

describe("help", () => {
  it("every command's --help ends with examples", async () => {
    for (const command of ["run", "status", "runs", "diff", "report", "gc", "graph", "completion"]) {
      const r = await dag(REPO, command, "--help");
      expect(r.exitCode, command).toBe(0);
      const examples = r.stdout.trimEnd().split("\n\nExamples:\n")[1];
      expect(examples, command).toBeDefined();
      expect((examples as string).split("\n").filter((l) => l.startsWith("  ")).length, command).toBeGreaterThanOrEqual(2);
    }
    expect((await dag(REPO, "--help")).stdout).toMatch(/Examples:\n {2}dag run/);
  });
});

describe("shell completion", () => {
  /** A folder with a `dag` on PATH that runs the built CLI, as an installed dag would. */
  function binDir(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dag-bin-"));
    writeFileSync(path.join(dir, "dag"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(path.join(dir, "dag"), 0o755);
    return dir;
  }

  async function bashComplete(project: string, words: string[]): Promise<string[]> {
    const script = `source <(dag completion bash)\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")})\nCOMP_CWORD=${words.length - 1}\n_dag_complete\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = await execa("bash", ["-c", script], { cwd: project, env: { PATH: `${binDir()}:${process.env["PATH"]}` }, reject: false });
    return r.stdout.split("\n").filter(Boolean);
  }

  it("bash completes commands, flags, stage and variant names and --set params", async () => {
    const dir = makeProject({ "pipeline.yaml": `${CHAIN_YAML}sweep:\n  b.text: [B, B2]\n`, "input.txt": "raw" });
    expect(await bashComplete(dir, ["dag", "ru"])).toEqual(["run", "runs"]);
    expect(await bashComplete(dir, ["dag", "run", "--unt"])).toEqual(["--until"]);
    expect(await bashComplete(dir, ["dag", "run", "--force-"])).toEqual(["--force-upstream"]);
    expect((await bashComplete(dir, ["dag", "run", "b"])).sort()).toEqual(["b", "b[text=B2]", "b[text=B]"]);
    expect(await bashComplete(dir, ["dag", "run", "--set", "b.t"])).toEqual(["b.text="]);
    expect(await bashComplete(dir, ["dag", "completion", ""])).toEqual(["bash", "zsh"]);
  });

  it("zsh's script is valid zsh", async () => {
    const r = await dag(REPO, "completion", "zsh");
    expect(r.stdout).toContain("compdef _dag_complete dag");
    const zsh = ["/usr/bin/zsh", "/bin/zsh"].find((f) => {
      try {
        execFileSync(f, ["-c", "true"]);
        return true;
      } catch {
        return false;
      }
    });
    if (zsh === undefined) {
      console.log("zsh is not installed: its completion script is checked by text only");
      return;
    }
    execFileSync(zsh, ["-n", "-c", r.stdout]);
  });
});

describe("tables fit the terminal", () => {
  it("runs drops whole columns from the right and says which; --wide shows all; status cuts at a word", async () => {
    const yaml = `stages:
  fit:
    module: stages/echo.ts
    params: { metric: 0.5, text: alpha_beta_gamma_delta }
    outs: [o.txt]
`;
    const dir = makeProject({ "pipeline.yaml": yaml });
    expect((await dag(dir, "run")).exitCode).toBe(0);
    write(dir, "pipeline.yaml", read(dir, "pipeline.yaml").replace("metric: 0.5", "metric: 0.25"));
    expect((await dag(dir, "run")).exitCode).toBe(0);
    const narrow = await dagWithEnv(dir, { COLUMNS: "30" }, "runs");
    const lines = narrow.stdout.split("\n");
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(30);
    expect(narrow.stdout).toMatch(/^\s+key\s+metric\s+score$/m);
    expect(narrow.stdout).toMatch(/^\+ 2 more columns \(--wide…$/m);
    const wide = await dagWithEnv(dir, { COLUMNS: "30" }, "runs", "--wide");
    expect(wide.stdout).toMatch(/^\s+key\s+metric\s+score\s+time\s+ran\s*$/m);
    const status = await dagWithEnv(dir, { COLUMNS: "32" }, "status");
    for (const line of status.stdout.split("\n")) expect([...line].length, line).toBeLessThanOrEqual(32);
    expect(status.stdout).toMatch(/^fit +cached +[\d.]+s…$/m);
  });
});

describe("small things", () => {
  it("gc --max-size that cannot be reached says so and why", async () => {
    const dir = makeProject({ "pipeline.yaml": CHAIN_YAML, "input.txt": "raw" });
    expect((await dag(dir, "run")).exitCode).toBe(0);
    const r = await dag(dir, "gc", "--max-size", "1", "-n");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^cannot reach --max-size 1 B: the store would stay at [\d.]+ (B|KiB), all of it kept: [\d.]+ (B|KiB) the pipeline resolves to\. gc removes only entries nothing needs/m);
  });

  it("report -o into a missing folder is an error; an existing one works", async () => {
    const dir = makeProject({ "pipeline.yaml": CHAIN_YAML, "input.txt": "raw" });
    const missing = await dag(dir, "report", "-o", "nope/r.html");
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe("dag report: folder nope does not exist; create it first (mkdir -p nope) or name another path with -o");
    mkdirSync(path.join(dir, "out"));
    expect((await dag(dir, "report", "-o", "out/r.html")).exitCode).toBe(0);
  });

  it("report.html is git-ignored; data/make-synthetic.ts --help prints help", async () => {
    expect(readFileSync(path.join(REPO, ".gitignore"), "utf8").split("\n")).toContain("/report.html");
    const help = await execa(process.execPath, ["--import", "tsx", "data/make-synthetic.ts", "--help"], { cwd: REPO, reject: false });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: node --import tsx data\/make-synthetic\.ts/);
    const typo = await execa(process.execPath, ["--import", "tsx", "data/make-synthetic.ts", "--imgs", "3"], { cwd: REPO, reject: false });
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toBe("make-synthetic: Unknown option '--imgs' (see --help)");
  });
});
