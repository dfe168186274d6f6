// The vector a submission holds for a prediction, and validation that scores it as the leaderboard scores the submission.
//
// A prediction y lives in standardised image space. The submitted vector, by space: raw maps it
// back to the image encoder's space, y·y_std + y_mean; standardized submits y; dual submits
// y / y_std, whose dot product with a raw image μ + y_std·z is y·z plus a constant per query, so
// batch100 ranks exactly as in standardised space (the cosine of `full` does not: it divides by
// each raw image's norm). The leaderboard scores the submitted vector against the raw images, so
// validation that is to predict the leaderboard does the same: submissionScoring's gallery is the
// raw images and its map the submission's. Rows need no L2 normalisation here: neither protocol's
// ranking of a query changes with the query's length.
import type { Matrix } from "../core/matrix.js";
import type { Gemm } from "../kernels/gemm.js";
import { standardize, unstandardize, type Scaler } from "../linalg/standardize.js";
import { allMetrics, type AllMetrics } from "./metrics.js";

/** What export submits for a prediction (params.space). */
export const SUBMISSION_SPACES = ["raw", "standardized", "dual"] as const;

export type SubmissionSpace = (typeof SUBMISSION_SPACES)[number];

/** The submitted vectors (before any L2 normalisation) for predictions in standardised image space. */
export function submissionVectors(predicted: Matrix, sy: Scaler, space: SubmissionSpace): Matrix {
  // dual: y / y_std, standardize's (y − 0) / y_std.
  return space === "raw" ? unstandardize(predicted, sy) : space === "dual" ? standardize(predicted, { mean: new Float64Array(sy.std.length), std: sy.std }) : predicted;
}

/** A validation gallery and the map from predictions (standardised image space) to what is scored against it. */
export interface Scoring {
  readonly gallery: Matrix;
  readonly map?: (predicted: Matrix) => Matrix;
}

/** Scoring as the leaderboard scores a submission in `space`: its vectors against the raw images. */
export function submissionScoring(rawImages: Matrix, sy: Scaler, space: SubmissionSpace): Scoring {
  return { gallery: rawImages, map: (predicted) => submissionVectors(predicted, sy, space) };
}

/** The eight metrics of validation predictions (standardised image space) under `scoring`; query i's target is gallery row truth[i]. */
export function scoreValidation(gemm: Gemm, scoring: Scoring, predicted: Matrix, truth: Int32Array): AllMetrics {
  return allMetrics(gemm, scoring.map === undefined ? predicted : scoring.map(predicted), scoring.gallery, truth);
}
