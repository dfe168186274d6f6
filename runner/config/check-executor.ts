// Reads the `executor:` block and each stage's `resources:` (shapes the schema checked), checking the values sbatch would take, each error positioned.
import type { ExecutorConfig, StageResources } from "../executors/executor-config.js";
import { LOCAL_EXECUTOR } from "../executors/executor-config.js";
import { isRecord } from "./build-stage.js";
import { configError, type ConfigError } from "./config-error.js";
import type { YamlPath, YamlSource } from "./read-yaml.js";

/** Slurm's memory sizes: a whole number, optionally with a K, M, G or T suffix (megabytes without one). */
const MEM = /^[1-9][0-9]*[KMGT]?$/;
/** Slurm's time limits: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
const TIME = /^([0-9]+|[0-9]+:[0-9]{1,2}|[0-9]+:[0-9]{1,2}:[0-9]{1,2}|[0-9]+-[0-9]{1,2}(:[0-9]{1,2}(:[0-9]{1,2})?)?)$/;
/** A GPU count, optionally with a type: `2`, `a100:2`. */
const GPUS = /^([A-Za-z0-9_.-]+:)?[1-9][0-9]*$/;

/** The executor the file asks for (local when it says nothing). */
export function readExecutor(raw: unknown, source: YamlSource): { readonly executor: ExecutorConfig; readonly errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  if (raw === "local" || raw === "slurm") return { executor: { name: raw, slurm: { sbatch: [] } }, errors };
  if (!isRecord(raw) || (raw["name"] !== "local" && raw["name"] !== "slurm")) return { executor: LOCAL_EXECUTOR, errors };
  const text = (key: string): string | undefined => (typeof raw[key] === "string" ? (raw[key] as string) : undefined);
  const sbatch = Array.isArray(raw["sbatch"]) ? raw["sbatch"].filter((f): f is string => typeof f === "string") : [];
  sbatch.forEach((flag, index) => {
    if (!flag.startsWith("-")) {
      errors.push(configError("schema", source.file, source.valueSpan(["executor", "sbatch", index]), `sbatch flag ${JSON.stringify(flag)} does not start with "-"`, 'write each flag as sbatch takes it, e.g. "--constraint=avx2"'));
    }
  });
  const partition = text("partition");
  const account = text("account");
  const qos = text("qos");
  return {
    executor: {
      name: raw["name"],
      slurm: { sbatch, ...(partition === undefined ? {} : { partition }), ...(account === undefined ? {} : { account }), ...(qos === undefined ? {} : { qos }) },
    },
    errors,
  };
}

/** A stage's `resources:` (an object the schema checked, or nothing), each value checked against what sbatch takes. */
export function readResources(raw: unknown, at: YamlPath, source: YamlSource): { readonly resources: StageResources; readonly errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  if (!isRecord(raw)) return { resources: {}, errors };
  const stage = String(at[1]);
  const check = (key: "mem" | "time" | "gpus", pattern: RegExp, hint: string): string | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    const written = String(value);
    if (pattern.test(written)) return written;
    errors.push(configError("schema", source.file, source.valueSpan([...at, key]), `resources.${key} of stage "${stage}" is ${JSON.stringify(value)}, which sbatch does not take`, hint));
    return undefined;
  };
  const mem = check("mem", MEM, "a size such as 4G, 500M or 2048 (megabytes)");
  const time = check("time", TIME, 'minutes (30) or "HH:MM:SS", "D-HH:MM" as Slurm writes them, e.g. "1:30:00"');
  const gpus = check("gpus", GPUS, 'a count (1) or TYPE:COUNT ("a100:2")');
  const cpus = typeof raw["cpus"] === "number" ? raw["cpus"] : undefined;
  return {
    resources: { ...(cpus === undefined ? {} : { cpus }), ...(mem === undefined ? {} : { mem }), ...(time === undefined ? {} : { time }), ...(gpus === undefined ? {} : { gpus }) },
    errors,
  };
}
