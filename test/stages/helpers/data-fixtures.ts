// Shared helpers of the data-layer tests: the NumPy-made fixtures, their expected values, Python.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DataError } from "../../../stages/lib/io/data-error.js";
import type { Result } from "../../../stages/lib/core/result.js";

/** The folder of the NumPy-made fixtures and make_data.py. */
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/data");

/** The path of fixture `name`. */
export function fx(name: string): string {
  return path.join(FIXTURES, name);
}

/** Shape and C-order values make_data.py recorded for each fixture. */
export interface Expected {
  readonly shape: number[];
  readonly values: (number | string)[];
}

/** expected.json, parsed. */
export function expected(name: string): Expected {
  const all = JSON.parse(readFileSync(fx("expected.json"), "utf8")) as Record<string, Expected>;
  const e = all[name];
  if (e === undefined) throw new Error(`expected.json has no entry "${name}"`);
  return e;
}

/** A fresh temporary folder. */
export function tempDir(prefix = "dag-data-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** The Python with numpy used to cross-check files, or the reason it cannot run. */
export const PYTHON = "/usr/bin/python3";
export const numpyMissing: string | undefined = !existsSync(PYTHON)
  ? `${PYTHON} not found`
  : spawnSync(PYTHON, ["-c", "import numpy"]).status !== 0
    ? `${PYTHON} has no numpy`
    : undefined;

/** Runs a Python snippet with arguments and parses the JSON it prints. */
export function pythonJson(code: string, ...args: string[]): unknown {
  const r = spawnSync(PYTHON, ["-c", code, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The value of an ok Result; fails the test with the error message otherwise. */
export function unwrap<T>(r: Result<T, DataError>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.reason}: ${r.error.message}`);
  return r.value;
}

/** The error of a failed Result; fails the test if it succeeded. */
export function failure<T>(r: Result<T, DataError>): DataError {
  if (r.ok) throw new Error("expected a DataError, got ok");
  return r.error;
}
