// How a training stage scores validation: the original pipeline's protocol, or as the leaderboard scores export's submission (params.space).
import type { Matrix } from "../core/matrix.js";
import { SUBMISSION_SPACES, submissionScoring, type Scoring } from "../eval/submission-space.js";
import { standardize, type Scaler } from "../linalg/standardize.js";
import { choiceParam, type Job } from "./job.js";

/**
 * With params.space (raw | standardized | dual, as export's): the vectors export would submit,
 * against the raw images. Without it: standardised predictions against the standardised gallery.
 */
export function validationScoring(job: Job, images: Matrix, sy: Scaler): Scoring {
  if (job.params["space"] === undefined) return { gallery: standardize(images, sy) };
  return submissionScoring(images, sy, choiceParam(job, "space", SUBMISSION_SPACES, "raw"));
}
