// The shared-folder backend (NFS, Lustre, a mounted drive): objects are files, written under a temporary name in the remote's own .tmp/ and renamed into place.
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { err, ok, type Result } from "../schemas/result.js";
import type { OnBytes, Remote, RemoteError, RemoteObject } from "./remote.js";
import type { DirectoryRemoteSpec } from "./remote-spec.js";

/** Temporary files of uploads in progress; a rename moves them into place (same filesystem). */
const TMP = ".tmp";
const CHUNK = 4 * 1024 * 1024;

export class DirectoryRemote implements Remote {
  constructor(readonly spec: DirectoryRemoteSpec) {}

  private fail(action: string, error: unknown): RemoteError {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const message = (error as Error).message;
    const detail = code && !message.startsWith(code) ? `${code}: ${message}` : message;
    const reason: RemoteError["reason"] =
      code === "ENOSPC" || code === "EDQUOT" ? "quota" : code === "EACCES" || code === "EPERM" || code === "EROFS" ? "denied" : code === "ENOENT" || code === "ENOTDIR" ? "no-bucket" : code === "EIO" || code === "ESTALE" || code === "ETIMEDOUT" ? "unreachable" : "failed";
    return { reason, remote: this.spec.name, action, detail };
  }

  private file(name: string): string {
    return path.join(this.spec.path, ...name.split("/"));
  }

  async check(): Promise<Result<void, RemoteError>> {
    try {
      const stats = await stat(this.spec.path);
      if (!stats.isDirectory()) return err({ reason: "no-bucket", remote: this.spec.name, action: "open the folder", detail: `${this.spec.path} is not a folder` });
      return ok(undefined);
    } catch (error) {
      return err(this.fail("open the folder", error));
    }
  }

  async stat(name: string): Promise<Result<RemoteObject | undefined, RemoteError>> {
    try {
      const stats = await stat(this.file(name));
      return ok({ name, size: stats.size, modified: stats.mtimeMs });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return ok(undefined);
      return err(this.fail(`look up ${name}`, error));
    }
  }

  /** Writes through `write` into a fresh temporary file, flushes it, and renames it to `name`. */
  private async publish(name: string, write: (temp: string) => Promise<void>): Promise<Result<void, RemoteError>> {
    const tmpDir = path.join(this.spec.path, TMP);
    const temp = path.join(tmpDir, `${name.replace(/\//g, "_")}.${process.pid}.${randomBytes(6).toString("hex")}`);
    try {
      const root = await this.check();
      if (!root.ok) return root;
      await mkdir(tmpDir, { recursive: true });
      await write(temp);
      const handle = await open(temp, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await mkdir(path.dirname(this.file(name)), { recursive: true });
      await rename(temp, this.file(name));
      return ok(undefined);
    } catch (error) {
      await rm(temp, { force: true });
      return err(this.fail(`upload ${name}`, error));
    }
  }

  putFile(name: string, file: string, onBytes: OnBytes): Promise<Result<void, RemoteError>> {
    return this.publish(name, (temp) => pipeline(createReadStream(file, { highWaterMark: CHUNK }), counting(onBytes), createWriteStream(temp, { flags: "wx" })));
  }

  putText(name: string, text: string): Promise<Result<void, RemoteError>> {
    return this.publish(name, async (temp) => {
      const handle = await open(temp, "wx");
      try {
        await handle.writeFile(text);
      } finally {
        await handle.close();
      }
    });
  }

  async read(name: string): Promise<Result<Readable | undefined, RemoteError>> {
    const file = this.file(name);
    try {
      const handle = await open(file, "r");
      return ok(handle.createReadStream({ highWaterMark: CHUNK }));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return ok(undefined);
      return err(this.fail(`download ${name}`, error));
    }
  }

  async readText(name: string): Promise<Result<string | undefined, RemoteError>> {
    try {
      return ok(await readFile(this.file(name), "utf8"));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return ok(undefined);
      return err(this.fail(`download ${name}`, error));
    }
  }

  async list(prefix: string): Promise<Result<RemoteObject[], RemoteError>> {
    const root = await this.check();
    if (!root.ok) return root;
    const out: RemoteObject[] = [];
    const walk = async (rel: string): Promise<void> => {
      let names: string[];
      try {
        names = await readdir(rel === "" ? this.spec.path : this.file(rel));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return;
        throw error;
      }
      for (const entry of names) {
        const name = rel === "" ? entry : `${rel}/${entry}`;
        if (name === TMP) continue;
        if (!(name.startsWith(prefix) || prefix.startsWith(`${name}/`))) continue;
        const stats = await stat(this.file(name));
        if (stats.isDirectory()) await walk(name);
        else if (name.startsWith(prefix)) out.push({ name, size: stats.size, modified: stats.mtimeMs });
      }
    };
    try {
      await walk("");
      return ok(out.sort((a, b) => (a.name < b.name ? -1 : 1)));
    } catch (error) {
      return err(this.fail(`list ${prefix}`, error));
    }
  }

  async sweepIncomplete(before: number, dryRun: boolean): Promise<Result<{ readonly count: number; readonly bytes: number }, RemoteError>> {
    const tmpDir = path.join(this.spec.path, TMP);
    let count = 0;
    let bytes = 0;
    try {
      const names = await readdir(tmpDir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return [] as string[];
        throw error;
      });
      for (const name of names) {
        const file = path.join(tmpDir, name);
        const stats = await stat(file).catch(() => undefined);
        if (stats === undefined || stats.mtimeMs >= before) continue;
        count += 1;
        bytes += stats.size;
        if (!dryRun) await rm(file, { force: true });
      }
      return ok({ count, bytes });
    } catch (error) {
      return err(this.fail(`clean ${TMP}/`, error));
    }
  }

  async remove(names: readonly string[]): Promise<Result<void, RemoteError>> {
    for (const name of names) {
      try {
        await rm(this.file(name), { force: true });
      } catch (error) {
        return err(this.fail(`remove ${name}`, error));
      }
    }
    return ok(undefined);
  }
}

/** A pass-through stream that reports the bytes flowing through it. */
export function counting(onBytes: OnBytes): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}
