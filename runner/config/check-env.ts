// Reads the `env:` lists (top level and per stage): names of environment variables whose values go into the key, each checked with its position.
import { configError, type ConfigError } from "./config-error.js";
import type { YamlPath, YamlSource } from "./read-yaml.js";

/** A portable environment variable name: letters, digits and "_", not starting with a digit. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The names in the `env:` list at `at` (a list the schema has already checked, or nothing), each
 * once in file order; a name that is not a variable name, or listed twice, is a positioned error.
 */
export function readEnvList(raw: unknown, at: YamlPath, source: YamlSource): { readonly names: string[]; readonly errors: ConfigError[] } {
  const names: string[] = [];
  const errors: ConfigError[] = [];
  if (!Array.isArray(raw)) return { names, errors };
  raw.forEach((name: unknown, index) => {
    const span = source.valueSpan([...at, index]);
    if (typeof name !== "string" || !ENV_NAME.test(name)) {
      const shown = typeof name === "string" ? JSON.stringify(name) : String(name);
      errors.push(configError("schema", source.file, span, `${shown} in ${where(at)} is not an environment variable name`, 'names use letters, digits and "_", not starting with a digit, e.g. DAG_NATIVE'));
      return;
    }
    if (names.includes(name)) {
      errors.push(configError("schema", source.file, span, `${name} is listed twice in ${where(at)}`));
      return;
    }
    names.push(name);
  });
  return { names, errors };
}

function where(at: YamlPath): string {
  return at.length === 1 ? 'the top-level "env"' : `"env" of stage "${String(at[1])}"`;
}
