// Expected failures as values for the runner and the cache: the one Result of schemas/result.ts.

export { err, ok, type Result, unreachable } from "../schemas/result.js";
