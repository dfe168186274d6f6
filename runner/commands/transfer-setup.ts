// What `dag push` and `dag pull` do first: choose the remote, resolve the stages, open the remote and check it answers.
import { openRemote } from "../../remote/open-remote.js";
import type { Remote } from "../../remote/remote.js";
import type { ConfiguredRemote } from "../../remote/remote-spec.js";
import { selectStages } from "../graph.js";
import { withPipeline, type Project } from "../project.js";
import type { Output } from "../reporters/output.js";
import { remoteErrorText } from "../reporters/remote-text.js";
import { unknownStageText } from "../reporters/unknown-stage.js";
import { chooseRemote } from "../sync/choose-remote.js";
import { expandSweep } from "../sweep.js";

/** The remote and the stages a transfer works on; or the exit code, its error already printed. */
export interface TransferSetup {
  readonly spec: ConfiguredRemote;
  readonly project: Project;
  readonly stages: readonly string[];
  readonly remote: Remote;
}

export interface TransferRequest {
  readonly remote: string | undefined;
  readonly sweep: boolean;
  readonly all: boolean;
  readonly targets: readonly string[];
}

export async function setUpTransfer(verb: "push" | "pull", opened: Project, command: TransferRequest, output: Output): Promise<TransferSetup | number> {
  const spec = chooseRemote(opened.pipeline.remotes, command.remote);
  if (!spec.ok) {
    output.error(`dag ${verb}: ${spec.error}`);
    return 2;
  }
  const project = withPipeline(opened, command.sweep || command.all ? expandSweep(opened.pipeline) : opened.pipeline);
  const selected = selectStages(project.pipeline, { targets: [...command.targets] });
  if (!selected.ok) {
    output.error(unknownStageText(selected.error));
    return 2;
  }
  const remote = await openRemote(spec.value);
  const reachable = await remote.check();
  if (!reachable.ok) {
    output.error(`dag ${verb}: ${remoteErrorText(reachable.error, spec.value)}`);
    return 1;
  }
  return { spec: spec.value, project, stages: selected.value, remote };
}
