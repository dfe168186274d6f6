// Expected failures as values on the stage side: the one Result of schemas/result.ts, shared with the runner.
export { err, ok, unreachable, type Result } from "../../../schemas/result.js";
