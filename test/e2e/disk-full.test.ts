// End-to-end on a real full disk (a small tmpfs, mounted when the tests run as root): clean messages, a consistent store, recovery.
import { execFileSync } from "node:child_process";
import { closeSync, cpSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dag, makeProject, runsLog } from "./project.js";
import { checkStore } from "./store-check.js";

const mounts: string[] = [];

/** A fresh tmpfs of `size` mounted on a temp folder, or the reason there is none. */
function smallDisk(size: string): string | undefined {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dag-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  mounts.push(dir);
  return dir;
}

const probe = smallDisk("64k");
if (probe === undefined) console.log("disk-full tests skipped: mounting a tmpfs needs root (CI runs them)");

afterAll(() => {
  for (const dir of mounts) {
    try {
      execFileSync("umount", ["-l", dir], { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Left for the system to clean.
    }
  }
});

/** A copy of a temp project on a 6 MiB disk of its own. */
function projectOnSmallDisk(yaml: string): string {
  const disk = smallDisk("6m") as string;
  const source = makeProject({ "pipeline.yaml": yaml });
  const dir = path.join(disk, "project");
  cpSync(source, dir, { recursive: true });
  return dir;
}

/** Writes `file` until the disk holding it is full. */
function fillUp(file: string): void {
  const fd = openSync(file, "w");
  for (const block of [Buffer.alloc(65536, 1), Buffer.alloc(512, 1)]) {
    try {
      for (;;) writeSync(fd, block);
    } catch {
      // Full.
    }
  }
  closeSync(fd);
}

/** No stack trace, no internal error: what dag says on a full disk. */
function expectCleanWords(text: string): void {
  expect(text).not.toContain("internal error");
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe.skipIf(probe === undefined)("a full disk", () => {
  const STAGE = (leave: number): string => `stages:
  a:
    module: stages/fault.ts
    params: { size: 200000, fill: { file: filler.bin, leave: ${leave} } }
    outs: [o1.bin, o2.bin]
  b:
    module: stages/fault.ts
    deps: { x: a:o1.bin }
    outs: [o.bin]
`;

  it("already full before the run: the lock cannot be written, said in words with the free space; the run after freeing space works", async () => {
    const dir = projectOnSmallDisk(STAGE(0).replace(", fill: { file: filler.bin, leave: 0 }", ""));
    fillUp(path.join(dir, "filler.bin"));
    const r = await dag(dir, "run");
    expect(r.exitCode).toBe(1);
    expectCleanWords(r.stdout + r.stderr);
    expect(r.stderr).toMatch(/cannot write \.dag\/\S*: no space left on device \([\d.]+ (B|KiB) free/);
    rmSync(path.join(dir, "filler.bin"));
    const again = await dag(dir, "run");
    expect(again.exitCode).toBe(0);
    expect(checkStore(dir).problems).toEqual([]);
  });

  it("filled by a stage at every point of the commit: clean words, a consistent store, recovery once space is freed", async () => {
    for (const leave of [0, 2048, 4096, 8192, 12288, 16384, 24576, 40960]) {
      const dir = projectOnSmallDisk(STAGE(leave));
      const r = await dag(dir, "run");
      expectCleanWords(r.stdout + r.stderr);
      if (r.exitCode !== 0) {
        expect(r.exitCode).toBe(1);
        // Either the runner's own write failed, or the stage's (its outputs on a full disk): both said with the free space.
        expect(r.stdout + r.stderr).toMatch(/no space left on device \([\d.]+ (B|KiB) free|the disk holding \.dag\/ is full \([\d.]+ (B|KiB) free\)/);
      }
      expect(checkStore(dir).problems).toEqual([]);
      rmSync(path.join(dir, "filler.bin"), { force: true });
      const again = await dag(dir, "run", "--set", "a.fill.leave=1000000");
      expectCleanWords(again.stdout + again.stderr);
      expect(again.exitCode).toBe(0);
      expect(checkStore(dir).problems).toEqual([]);
      expect(existsSync(path.join(dir, ".dag/tmp")) ? readdirSync(path.join(dir, ".dag/tmp")) : []).toEqual([]);
    }
  });

  it("a stage that fails for lack of space: its last words are shown though its log could not be written, and the disk is named as the cause", async () => {
    const dir = projectOnSmallDisk(`stages:
  a:
    module: stages/fault.ts
    params: { fill: { file: filler.bin, leave: 0 }, stderr_lines: 3, exit_code: 1 }
    outs: [o.bin]
`);
    const r = await dag(dir, "run");
    expect(r.exitCode).toBe(1);
    expectCleanWords(r.stdout + r.stderr);
    expect(r.stdout).toContain("stage a failed: exited with code 1");
    expect(r.stdout).toContain("diagnostic line 3 of a");
    expect(r.stdout).toMatch(/the disk holding \.dag\/ is full \([\d.]+ (B|KiB) free\)/);
    expect(r.stdout).toContain("its log could not be written (ENOSPC): these lines were kept in memory");
    expect(runsLog(dir)).toEqual(["a"]);
  });
});
