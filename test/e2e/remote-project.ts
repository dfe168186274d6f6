// Helpers for the remote tests: a project in a git repository with a remote configured, its clones, and checks on what the remote holds.
import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { CHAIN_YAML, makeProject, REPO } from "./project.js";

/** The three-stage chain a → b → c of the echo stage (CHAIN_YAML without its workspace input), with `remote` as its remote block. */
export function remotePipeline(remote: string): string {
  return `${remote}\n${CHAIN_YAML.replace("      raw: input.txt\n", "")}`;
}

const GIT_ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.org", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.org" };

export async function git(dir: string, ...args: string[]): Promise<string> {
  const r = await execa("git", args, { cwd: dir, env: GIT_ENV });
  return r.stdout;
}

/** A project (files as makeProject, plus stages/bytes.ts) committed to a fresh git repository with the usual .gitignore. */
export async function gitProject(files: Record<string, string>): Promise<string> {
  const dir = makeProject({ ".gitignore": ".dag/\nartifacts/\nruns.log\ndag.local.yaml\n", ...files });
  cpSync(path.join(REPO, "test/fixtures/e2e/bytes-stage.ts"), path.join(dir, "stages/bytes.ts"));
  await git(dir, "init", "-q", "-b", "main");
  await git(dir, "add", "-A");
  await git(dir, "commit", "-qm", "project");
  return dir;
}

/** A second working folder of the same project: `git clone` of `dir`. */
export async function cloneOf(dir: string): Promise<string> {
  const parent = mkdtempSync(path.join(os.tmpdir(), "dag-clone-"));
  await execa("git", ["clone", "-q", dir, path.join(parent, "b")], { env: GIT_ENV });
  return path.join(parent, "b");
}

/** Every file below `root`, relative, sorted. */
export function filesBelow(root: string, rel = ""): string[] {
  const dir = path.join(root, rel);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? filesBelow(root, path.join(rel, d.name)) : [path.join(rel, d.name)]))
    .sort();
}

/** Problems with a folder remote: a manifest whose files.json, log or blobs are missing (a half entry). */
export function halfEntries(remote: string): string[] {
  const problems: string[] = [];
  for (const file of filesBelow(remote).filter((f) => f.endsWith("manifest.json"))) {
    const dir = path.dirname(file);
    const listed = path.join(remote, dir, "files.json");
    if (!existsSync(listed)) {
      problems.push(`${dir}: no files.json`);
      continue;
    }
    const files = JSON.parse(readFileSync(listed, "utf8")) as Record<string, [string, string, number][]>;
    for (const rows of Object.values(files)) {
      for (const [, hash] of rows) {
        const hex = hash.slice("sha256:".length);
        if (!existsSync(path.join(remote, "blobs", hex.slice(0, 2), hex))) problems.push(`${dir}: blob ${hex} missing`);
      }
    }
  }
  return problems;
}
