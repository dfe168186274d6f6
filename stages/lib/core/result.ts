// Expected failures as values on the stage side: the contract's Result (schemas/stage-contract.ts), one definition for both sides.
export { err, ok, unreachable, type Result } from "../../../schemas/stage-contract.js";
