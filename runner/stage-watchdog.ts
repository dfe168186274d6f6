// The watchdog of a dag run: a process of its own that kills the stages' process groups the moment the runner dies, however it dies.
//
// The runner starts it with a pipe on its standard input and writes `+PGID` when a stage starts
// and `-PGID` when it ends. When the pipe closes — the runner exited, crashed or was SIGKILLed —
// every group still registered is killed with SIGKILL: a stage never outlives its runner, even
// one whose main thread is busy and would never see its IPC channel close.

const groups = new Set<number>();
let pending = "";

function killAll(): void {
  for (const group of groups) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  process.exit(0);
}

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  pending += chunk;
  const lines = pending.split("\n");
  pending = lines.pop() ?? "";
  for (const line of lines) {
    const group = Number(line.slice(1));
    if (!Number.isSafeInteger(group) || group <= 1) continue;
    if (line.startsWith("+")) groups.add(group);
    else if (line.startsWith("-")) groups.delete(group);
  }
});
process.stdin.on("end", killAll);
process.stdin.on("close", killAll);
process.stdin.on("error", killAll);
// The terminal's Ctrl-C and hang-up are the runner's to handle; the watchdog only watches the pipe.
process.on("SIGINT", () => undefined);
process.on("SIGHUP", () => undefined);
process.on("SIGTERM", () => undefined);
