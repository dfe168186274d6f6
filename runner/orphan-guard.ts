// Makes sure no stage outlives the runner: each stage runs in its own process group, which a watchdog process kills if the runner dies.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The watchdog program, beside this module (dist/runner/stage-watchdog.js, or the .ts source under tsx). */
const WATCHDOG = fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? "./stage-watchdog.ts" : "./stage-watchdog.js", import.meta.url));

let watchdog: ChildProcess | undefined;
const groups = new Set<number>();

/** Starts the watchdog once per runner process, detached and in its own session, so signals meant for the runner's terminal never reach it. */
function ensureWatchdog(): ChildProcess | undefined {
  if (watchdog !== undefined) return watchdog;
  const args = import.meta.url.endsWith(".ts") ? ["--import", "tsx", WATCHDOG] : [WATCHDOG];
  watchdog = spawn(process.execPath, args, { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  watchdog.on("error", () => {
    watchdog = undefined;
  });
  watchdog.unref();
  watchdog.stdin?.on("error", () => undefined);
  // The pipe must not keep the runner alive; closing it (at exit or death) is the watchdog's cue.
  (watchdog.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
  process.once("exit", killGroupsNow);
  return watchdog;
}

/** Kills every registered stage group at once (the runner is exiting with stages still running). */
function killGroupsNow(): void {
  for (const group of groups) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Registers a started stage (its pid is its process group's id): from now on it dies with the runner. */
export function guardStage(pid: number): void {
  groups.add(pid);
  ensureWatchdog()?.stdin?.write(`+${pid}\n`);
}

/** Forgets a stage that has ended. */
export function releaseStage(pid: number): void {
  groups.delete(pid);
  watchdog?.stdin?.write(`-${pid}\n`);
}

/** Sends `signal` to a stage's whole process group (the stage and whatever it started). */
export function signalStage(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone.
  }
}
