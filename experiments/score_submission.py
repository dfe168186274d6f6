#!/usr/bin/python3
"""Independent check of export's test metrics: scores a submission.csv against the hidden synthetic
gallery (load's test_images.npy, row i = test caption i's image) with numpy, under the leaderboard's
batch100 protocol (dot product, consecutive batches of 100) and the full-gallery cosine protocol.
Usage: /usr/bin/python3 experiments/score_submission.py artifacts/export/submission.csv artifacts/load/test_images.npy"""
import csv, json, sys
import numpy as np


def mrr_r1(scores, truth):
    target = scores[np.arange(len(truth)), truth]
    ranks = 1 + (scores > target[:, None]).sum(1)
    return float((1.0 / ranks).mean()), float((ranks == 1).mean())


sub, gallery_file = sys.argv[1], sys.argv[2]
with open(sub) as f:
    rows = list(csv.DictReader(f))
Q = np.array([json.loads(r["embedding"]) for r in rows], dtype=np.float64)
G = np.load(gallery_file).astype(np.float64)
n = len(Q)
assert G.shape[0] == n, (G.shape, n)
b_mrr, b_r1 = [], []
for i in range(0, n, 100):
    q, g = Q[i:i + 100], G[i:i + 100]
    m, r = mrr_r1(q @ g.T, np.arange(len(q)))
    b_mrr.append(m * len(q)); b_r1.append(r * len(q))
Qn = Q / np.maximum(np.linalg.norm(Q, axis=1, keepdims=True), 1e-8)
Gn = G / np.maximum(np.linalg.norm(G, axis=1, keepdims=True), 1e-8)
f_mrr, f_r1 = mrr_r1(Qn @ Gn.T, np.arange(n))
print(json.dumps({"rows": n, "test_mrr_batch100": sum(b_mrr) / n, "test_r1_batch100": sum(b_r1) / n, "test_mrr_full": f_mrr, "test_r1_full": f_r1}))
