// Temp projects shaped like the ML pipeline (load, pca, ridge, finetune) on the toy ML stage, for sweep, gc and report tests.
import { readFileSync } from "node:fs";
import path from "node:path";
import { makeProject, REPO, write } from "./project.js";

/** load → pca, load → ridge → finetune (reading pca too), on the toy ML stage; `sweep` is appended and `ridgeParams` added to ridge's params as written. */
export function mlPipeline(sweep = "", ridgeParams = ""): string {
  return `params:
  seed: 1
stages:
  load:
    module: stages/toy.ts
    params: { seed: "\${seed}" }
    outs: [data.json]
  pca:
    module: stages/toy.ts
    deps: { x: load:data.json }
    outs: [pca.json]
  ridge:
    module: stages/toy.ts
    deps: { x: load:data.json }
    params: { alpha: 0.03${ridgeParams} }
    outs: [W.json, metrics.json]
    metrics: ["mrr_*"]
  finetune:
    module: stages/toy.ts
    deps: { w: ridge:W.json, p: pca:pca.json }
    params: { epochs: 4, loss: { mse: 0.5, infonce: 0 } }
    outs: [weights.json, curve.json, metrics.json]
    metrics: ["mrr_*"]
    plots:
      - curve.json: { x: epoch, y: [loss, "mrr_*", "val_mrr_*"] }
${sweep}`;
}

export const SWEEP_3X2 = `sweep:
  ridge.alpha: [0.01, 0.03, 0.1]
  finetune.loss.infonce: [0, 1]
`;

/** A temp project with the toy ML stage as stages/toy.ts. */
export function mlProject(yaml: string): string {
  const dir = makeProject({ "pipeline.yaml": yaml });
  write(dir, "stages/toy.ts", readFileSync(path.join(REPO, "test/fixtures/e2e/toy-ml-stage.ts"), "utf8"));
  return dir;
}

