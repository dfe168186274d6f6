// Tests of the run lock with real processes: live holders block, dead ones are taken over, waiters wait.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { acquireLock, type LockHolder } from "../../cache/lock.js";
import { startTicksOf } from "../../cache/process-identity.js";

const base = mkdtempSync(path.join(tmpdir(), "dag-lock-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(base, { recursive: true, force: true });
});
let counter = 0;
const lockModule = fileURLToPath(new URL("../../cache/lock.ts", import.meta.url));

function dagDir(): string {
  const dir = path.join(base, `p${++counter}`, ".dag");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A real live process to name as a lock holder. */
function sleeper(): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 5000)"], { stdio: "ignore" });
  children.push(child);
  return child;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid as number;
}

function writeLock(dir: string, holder: LockHolder): void {
  writeFileSync(path.join(dir, "lock"), JSON.stringify(holder));
}

function lockContent(dir: string): { pid: number; startedAt: string; command?: string } {
  return JSON.parse(readFileSync(path.join(dir, "lock"), "utf8")) as { pid: number; startedAt: string; command?: string };
}

/** Runs a child that takes the lock through cache/lock.ts, prints "locked", then runs `then`. */
function lockingChild(dir: string, then: string): { child: ChildProcess; locked: Promise<void> } {
  const script = `
    import { acquireLock } from ${JSON.stringify(lockModule)};
    const lock = await acquireLock(${JSON.stringify(dir)}, { wait: false, command: "child run" });
    if (!lock.ok) process.exit(3);
    process.stdout.write("locked\\n");
    ${then}
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  children.push(child);
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("locked")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`child exited ${code} before locking`)));
  });
  return { child, locked };
}

describe("acquireLock", () => {
  it("creates .dag/lock with our pid, start time and command, and release removes it", async () => {
    const dir = dagDir();
    const lock = await acquireLock(dir, { wait: false, command: "dag run" });
    expect(lock.ok).toBe(true);
    if (!lock.ok) return;
    const content = lockContent(dir);
    expect(content).toMatchObject({ pid: process.pid, command: "dag run", startedAt: lock.value.holder.startedAt });
    expect(Date.parse(content.startedAt)).not.toBeNaN();
    await lock.value.release();
    expect(existsSync(path.join(dir, "lock"))).toBe(false);
    await lock.value.release();
    lock.value.releaseSync();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("is held while a live process holds it", async () => {
    const dir = dagDir();
    const child = sleeper();
    const holder = { pid: child.pid as number, startedAt: "2024-01-01T00:00:00.000Z", command: "dag run --jobs 2" };
    // As dag writes it: with the holder's start time, which tells it from a later process with its pid.
    writeLock(dir, { ...holder, startTicks: startTicksOf(child.pid as number) } as LockHolder);
    expect(await acquireLock(dir, { wait: false })).toEqual({ ok: false, error: { reason: "held", holder } });
    child.kill("SIGKILL");
  });

  it("is held by a second acquisition in the same process", async () => {
    const dir = dagDir();
    const first = await acquireLock(dir, { wait: false });
    const second = await acquireLock(dir, { wait: false });
    expect(second.ok === false && second.error.reason === "held" && second.error.holder.pid).toBe(process.pid);
    if (first.ok) await first.value.release();
  });

  it("takes over a lock whose holder is dead", async () => {
    const dir = dagDir();
    writeLock(dir, { pid: await deadPid(), startedAt: "2024-01-01T00:00:00.000Z" });
    const lock = await acquireLock(dir, { wait: false, command: "dag run" });
    expect(lock.ok).toBe(true);
    expect(lockContent(dir).pid).toBe(process.pid);
    if (lock.ok) await lock.value.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("takes over an unreadable lock file", async () => {
    const dir = dagDir();
    writeFileSync(path.join(dir, "lock"), "");
    const lock = await acquireLock(dir, { wait: false });
    expect(lock.ok).toBe(true);
    if (lock.ok) await lock.value.release();
  });

  it("takes over a lock left by a dead run whose pid is now ours", async () => {
    const dir = dagDir();
    writeLock(dir, { pid: process.pid, startedAt: "2024-01-01T00:00:00.000Z" });
    const lock = await acquireLock(dir, { wait: false });
    expect(lock.ok).toBe(true);
    if (lock.ok) await lock.value.release();
  });

  it("lets exactly one of several concurrent acquirers create a fresh lock", async () => {
    const dir = dagDir();
    const results = await Promise.all(Array.from({ length: 6 }, () => acquireLock(dir, { wait: false })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const result of results) if (result.ok) await result.value.release();
  });

  it("lets exactly one of several concurrent acquirers take over a dead lock", async () => {
    const dir = dagDir();
    writeLock(dir, { pid: await deadPid(), startedAt: "2024-01-01T00:00:00.000Z" });
    const results = await Promise.all(Array.from({ length: 6 }, () => acquireLock(dir, { wait: false })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const result of results) if (result.ok) await result.value.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("waits until the holder releases, calling onWait once", async () => {
    const dir = dagDir();
    const first = await acquireLock(dir, { wait: false, command: "first" });
    if (!first.ok) throw new Error("first lock not taken");
    const waits: LockHolder[] = [];
    const started = performance.now();
    setTimeout(() => void first.value.release(), 300);
    const second = await acquireLock(dir, { wait: true, pollMs: 20, onWait: (holder) => waits.push(holder) });
    expect(second.ok).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(waits).toEqual([first.value.holder]);
    if (second.ok) await second.value.release();
  });

  it("waits for a lock held by another process, then takes it after that process releases it", async () => {
    const dir = dagDir();
    const { child, locked } = lockingChild(dir, 'process.stdin.once("data", async () => { await lock.value.release(); process.exit(0); });');
    await locked;
    const waits: LockHolder[] = [];
    const onWait = (holder: LockHolder): void => {
      waits.push(holder);
      child.stdin?.write("release\n");
    };
    const lock = await acquireLock(dir, { wait: true, pollMs: 25, onWait });
    expect(lock.ok).toBe(true);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ pid: child.pid, command: "child run" });
    if (lock.ok) await lock.value.release();
  });

  it("takes over at once from another process that died holding the lock", async () => {
    const dir = dagDir();
    const { child, locked } = lockingChild(dir, "process.exit(0);");
    child.stdin?.end();
    await locked;
    if (child.exitCode === null) await new Promise((resolve) => child.once("exit", resolve));
    expect(lockContent(dir).pid).toBe(child.pid);
    const lock = await acquireLock(dir, { wait: false });
    expect(lock.ok).toBe(true);
    if (lock.ok) await lock.value.release();
  });

  it("release leaves alone a lock that is no longer ours", async () => {
    const dir = dagDir();
    const lock = await acquireLock(dir, { wait: false });
    if (!lock.ok) throw new Error("lock not taken");
    const child = sleeper();
    writeLock(dir, { pid: child.pid as number, startedAt: "2024-01-01T00:00:00.000Z" });
    await lock.value.release();
    expect(lockContent(dir).pid).toBe(child.pid);
    child.kill("SIGKILL");
  });

  it("takes over a lock whose pid now names another process (its recorded start time differs)", async () => {
    const dir = dagDir();
    const child = sleeper();
    const started = startTicksOf(child.pid as number) as number;
    writeLock(dir, { pid: child.pid as number, startedAt: new Date().toISOString(), startTicks: started - 1 } as LockHolder);
    const lock = await acquireLock(dir, { wait: false });
    expect(lock.ok).toBe(true);
    if (lock.ok) await lock.value.release();
    child.kill("SIGKILL");
  });

  it("takes over a lock from before the last boot, and one of an older dag naming a process that is not Node", async () => {
    for (const record of [
      { pid: process.ppid, startedAt: new Date().toISOString(), bootId: "not-this-boot" },
      { pid: 1, startedAt: new Date().toISOString() },
    ]) {
      const dir = dagDir();
      writeLock(dir, record as LockHolder);
      const lock = await acquireLock(dir, { wait: false });
      expect(lock.ok).toBe(true);
      if (lock.ok) await lock.value.release();
    }
  });

  it("counts a holder on another host as live, and says who holds it after a long wait", async () => {
    const dir = dagDir();
    const holder = { pid: 4242, startedAt: "2024-01-01T00:00:00.000Z", command: "dag run", host: "elsewhere" };
    writeLock(dir, holder);
    expect(await acquireLock(dir, { wait: false })).toEqual({ ok: false, error: { reason: "held", holder } });
    const controller = new AbortController();
    const long: LockHolder[] = [];
    const waited = acquireLock(dir, {
      wait: true,
      pollMs: 10,
      noticeAfterMs: 50,
      signal: controller.signal,
      onLongWait: (h) => {
        long.push(h);
        controller.abort();
      },
    });
    expect(await waited).toEqual({ ok: false, error: { reason: "interrupted" } });
    expect(long).toEqual([holder]);
  });

  it("ends a wait at once when its signal is aborted", async () => {
    const dir = dagDir();
    const first = await acquireLock(dir, { wait: false });
    if (!first.ok) throw new Error("first lock not taken");
    const controller = new AbortController();
    const waiting = acquireLock(dir, { wait: true, pollMs: 60_000, signal: controller.signal, onWait: () => controller.abort() });
    expect(await waiting).toEqual({ ok: false, error: { reason: "interrupted" } });
    await first.value.release();
  });

  it("records the holder's host, boot and start time", async () => {
    const dir = dagDir();
    const lock = await acquireLock(dir, { wait: false, command: "dag run" });
    const content = JSON.parse(readFileSync(path.join(dir, "lock"), "utf8")) as Record<string, unknown>;
    expect(content).toMatchObject({ pid: process.pid, host: hostname(), startTicks: startTicksOf(process.pid) });
    expect(typeof content["bootId"]).toBe("string");
    if (lock.ok) await lock.value.release();
  });
});

