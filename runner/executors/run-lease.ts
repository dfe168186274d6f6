// A cluster run's lease, `.dag/leases/RUN.json`: rewritten every few seconds while the runner lives (its jobs check it and stop once it is stale), listing the run's jobs for `dag status`.
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { writeFileAtomic } from "../../cache/atomic-write.js";
import { LEASE_REFRESH_MS, leaseStale } from "../../schemas/stage-contract.js";
import type { ClusterJobState } from "../events.js";

/** What a lease file holds. */
export interface LeaseRecord {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  /** The run's jobs now in flight, by stage (a sweep variant's full name). */
  readonly jobs: readonly ({ readonly stage: string } & ClusterJobState)[];
}

/** The folder of the leases inside `.dag/`. */
export function leaseDir(dagDir: string): string {
  return path.join(dagDir, "leases");
}

export class RunLease {
  private readonly jobs = new Map<string, ClusterJobState>();
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private released = false;

  private constructor(
    /** The lease file (absolute): what each job's DAG_LEASE names. */
    readonly file: string,
    private readonly startedAt: string,
  ) {
    this.timer = setInterval(() => this.write(), LEASE_REFRESH_MS);
    this.timer.unref();
  }

  /** Takes a new lease for this run. */
  static async take(dagDir: string): Promise<RunLease> {
    const dir = leaseDir(dagDir);
    await mkdir(dir, { recursive: true });
    const lease = new RunLease(path.join(dir, `${os.hostname()}-${process.pid}-${randomBytes(4).toString("hex")}.json`), new Date().toISOString());
    lease.write();
    await lease.writing;
    return lease;
  }

  /** Records a job's new state (and refreshes the lease). */
  update(stage: string, state: ClusterJobState): void {
    this.jobs.set(stage, state);
    this.write();
  }

  /** Forgets a job that has ended. */
  forget(stage: string): void {
    this.jobs.delete(stage);
    this.write();
  }

  private write(): void {
    if (this.released) return;
    const record: LeaseRecord = { pid: process.pid, host: os.hostname(), startedAt: this.startedAt, jobs: [...this.jobs].map(([stage, s]) => ({ stage, ...s })) };
    // Writes one after another, so an older table never lands after a newer one.
    this.writing = this.writing.then(() => writeFileAtomic(this.file, JSON.stringify(record, null, 2) + "\n")).catch(() => undefined);
  }

  /** Ends the lease: jobs still running stop at their next check. */
  async release(): Promise<void> {
    this.released = true;
    clearInterval(this.timer);
    await this.writing;
    await rm(this.file, { force: true });
  }
}

/** Removes the stale leases of runs that died (under the run lock; their jobs have stopped or are stopping by themselves). */
export async function clearStaleLeases(dagDir: string): Promise<void> {
  const dir = leaseDir(dagDir);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const file = path.join(dir, name);
    const mtime = await stat(file).then((s) => s.mtimeMs, () => undefined);
    if (leaseStale(mtime, Date.now())) await rm(file, { force: true });
  }
}

/** The leases of cluster runs alive now (fresh files only), read-only: what `dag status` shows. */
export async function liveLeases(dagDir: string): Promise<LeaseRecord[]> {
  const dir = leaseDir(dagDir);
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: LeaseRecord[] = [];
  for (const name of names.filter((n) => n.endsWith(".json"))) {
    const file = path.join(dir, name);
    const mtime = await stat(file).then((s) => s.mtimeMs, () => undefined);
    if (leaseStale(mtime, Date.now())) continue;
    try {
      out.push(JSON.parse(await readFile(file, "utf8")) as LeaseRecord);
    } catch {
      // Being replaced this instant, or not ours: the next status shows it.
    }
  }
  return out;
}
