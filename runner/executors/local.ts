// The local executor: each stage a child process of the runner (stage-process.ts), reporting over IPC.
import { runStageProcess } from "../stage-process.js";
import type { StageExecutor } from "./stage-executor.js";

export const localExecutor: StageExecutor = {
  name: "local",
  run: (launch) =>
    runStageProcess({
      moduleAbs: launch.moduleAbs,
      job: launch.job,
      cwd: launch.cwd,
      jobFile: launch.jobFile,
      logFile: launch.logFile,
      signal: launch.signal,
      onMessage: launch.onMessage,
    }),
  close: async () => undefined,
};
