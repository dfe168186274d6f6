#!/usr/bin/python3
"""A strong hand-written reference for the challenge (issue 15): the standard things, done with numpy and torch.

Usage: /usr/bin/python3 experiments/strong_script.py --data DIR [--out submission.csv] [--gallery DIR/test_images.npy]
DIR holds train.npz and test.clean.npz in the organisers' layout. Prints one JSON line.

1. Standardise both sides with training mean/std (clip +-8). Validation = 10% of the images with all
   their captions (image-disjoint, no leakage).
2. Ridge (no intercept, float64), alpha chosen on validation from a grid relative to the mean
   eigenvalue of X'X; predictions L2-normalised.
3. A ridge-initialised residual MLP (base linear from W, y = y0 + res(y0), res = LayerNorm, Linear,
   GELU, Dropout, Linear zero-initialised) trained with symmetric InfoNCE + cosine on batches of
   distinct images; a few settings tried, the setting and epoch count chosen on validation.
4. Refit ridge and the chosen MLP on all training images; average a few seeds' L2-normalised predictions.
5. Submission vector: the standardised-space prediction divided by the image std (its dot product
   with a raw image ranks like the standardised-space score), L2-normalised.
Validation batch100 is test-like: one caption per validation image, batches of 100 distinct images;
full = cosine against all validation images, every validation caption.
"""
import argparse, csv, json, os, time, zipfile
import numpy as np
from numpy.lib import format as npf

CLIP = 8.0


def read_labels(path):
    """captions/label as an index vector, streaming a one-hot bool matrix row block by row block."""
    with zipfile.ZipFile(path) as zf, zf.open("captions/label.npy") as f:
        version = npf.read_magic(f)
        shape, fortran, dtype = npf._read_array_header(f, version)
        if len(shape) == 1:
            return np.frombuffer(f.read(), dtype=dtype).astype(np.int64)
        assert dtype == np.bool_ and not fortran, (dtype, fortran)
        n, m = shape
        out = np.empty(n, np.int64)
        step = max(1, (64 << 20) // m)
        for i in range(0, n, step):
            k = min(step, n - i)
            rows = np.frombuffer(f.read(k * m), dtype=np.bool_).reshape(k, m)
            assert (rows.sum(1) == 1).all(), "label rows must be one-hot"
            out[i:i + k] = rows.argmax(1)
        return out


def load(data):
    tr = np.load(os.path.join(data, "train.npz"), allow_pickle=False)
    te = np.load(os.path.join(data, "test.clean.npz"), allow_pickle=False)
    return (tr["captions/embeddings"], tr["images/embeddings"], read_labels(os.path.join(data, "train.npz")),
            te["captions/embeddings"], te["captions/ids"])


def scaler(a):
    mu = a.mean(0)
    sd = a.std(0)
    return mu, np.where(sd > 1e-8, sd, 1.0)


def std(a, s):
    return np.clip((a - s[0]) / s[1], -CLIP, CLIP).astype(np.float32)


def l2(a):
    return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-8)


def mrr_r1(scores, truth):
    target = scores[np.arange(len(truth)), truth]
    ranks = 1 + (scores > target[:, None]).sum(1)
    return (1.0 / ranks), (ranks == 1)


def batch100(Q, G):
    """The leaderboard protocol: query i's image is G[i]; consecutive batches of 100; dot products."""
    rr, r1 = [], []
    for i in range(0, len(Q), 100):
        a, b = mrr_r1(Q[i:i + 100] @ G[i:i + 100].T, np.arange(len(Q[i:i + 100])))
        rr.append(a); r1.append(b)
    return float(np.concatenate(rr).mean()), float(np.concatenate(r1).mean())


def full(Q, G, truth):
    Qn, Gn = l2(Q), l2(G)
    rr, r1 = [], []
    for i in range(0, len(Q), 2048):
        a, b = mrr_r1(Qn[i:i + 2048] @ Gn.T, truth[i:i + 2048])
        rr.append(a); r1.append(b)
    return float(np.concatenate(rr).mean()), float(np.concatenate(r1).mean())


class Validation:
    """Scores standardised-space caption predictions of the validation captions."""

    def __init__(self, val_caps, labels, Ys, seed):
        self.images = np.unique(labels[val_caps])
        self.G = Ys[self.images]
        local = np.searchsorted(self.images, labels[val_caps])
        self.truth = local
        # Test-like batch100: rounds r = 0..4, caption r of every validation image, images in a fixed random order.
        order = np.random.default_rng(seed).permutation(len(self.images))
        by_image = [np.nonzero(local == j)[0] for j in range(len(self.images))]
        self.rounds = [np.array([by_image[j][r % len(by_image[j])] for j in order]) for r in range(5)]
        self.order = order

    def __call__(self, P):
        P = l2(P)
        b = [batch100(P[rows], self.G[self.order]) for rows in self.rounds]
        f = full(P, self.G, self.truth)
        return {"mrr_batch100": float(np.mean([x[0] for x in b])), "r1_batch100": float(np.mean([x[1] for x in b])),
                "mrr_full": f[0], "r1_full": f[1]}


def ridge_path(Xs, Yt):
    """Eigendecomposition of X'X (float64) for a whole alpha grid; W(alpha) = V diag(1/(lam+a)) V' X'Y."""
    X = Xs.astype(np.float64)
    lam, V = np.linalg.eigh(X.T @ X)
    VtXY = V.T @ (X.T @ Yt.astype(np.float64))
    return lam, V, VtXY


def ridge_w(path, rel_alpha):
    lam, V, VtXY = path
    a = rel_alpha * lam.mean()
    return (V @ (VtXY / (lam + a)[:, None])).astype(np.float32)


def train_mlp(Xs, Ys, cap_img, W, cfg, seed, epochs, val=None, Xval=None, threads=2):
    """The ridge-initialised residual MLP; returns (model, per-epoch validation metrics)."""
    import torch
    import torch.nn as nn
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    d_in, d_out = W.shape

    class Proj(nn.Module):
        def __init__(self):
            super().__init__()
            self.base = nn.Linear(d_in, d_out, bias=True)
            with torch.no_grad():
                self.base.weight.copy_(torch.from_numpy(W.T.copy()))
                self.base.bias.zero_()
            last = nn.Linear(cfg["hidden"], d_out)
            nn.init.zeros_(last.weight); nn.init.zeros_(last.bias)
            self.res = nn.Sequential(nn.LayerNorm(d_out), nn.Linear(d_out, cfg["hidden"]), nn.GELU(), nn.Dropout(cfg["dropout"]), last)

        def forward(self, x):
            y0 = self.base(x)
            return y0 + self.res(y0)

    model = Proj()
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["wd"])
    images = np.unique(cap_img)
    caps_of = {}
    for c, i in enumerate(cap_img):
        caps_of.setdefault(int(i), []).append(c)
    caps_arr = [np.array(caps_of[int(i)]) for i in images]
    B = cfg["batch"]
    steps = epochs * ((len(images) + B - 1) // B)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg["lr"], total_steps=steps, pct_start=0.1, anneal_strategy="cos")
    Xt, Yt = torch.from_numpy(Xs), torch.from_numpy(l2(Ys).astype(np.float32))
    curve = []
    for ep in range(epochs):
        model.train()
        perm = rng.permutation(len(images))
        for s in range(0, len(perm), B):
            sel = perm[s:s + B]
            if len(sel) < 32:
                continue
            caps = np.array([caps_arr[j][rng.integers(len(caps_arr[j]))] for j in sel])
            p = nn.functional.normalize(model(Xt[caps]), dim=1)
            y = Yt[images[sel]]
            logits = p @ y.T / cfg["tau"]
            lab = torch.arange(len(sel))
            loss = 0.5 * (nn.functional.cross_entropy(logits, lab) + nn.functional.cross_entropy(logits.T, lab))
            loss = loss + cfg["cos"] * (1 - (p * y).sum(1)).mean()
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
        if val is not None:
            curve.append(val(predict(model, Xval)))
    return model, curve


def predict(model, Xs):
    import torch
    model.eval()
    with torch.no_grad():
        return np.concatenate([model(torch.from_numpy(Xs[i:i + 8192])).numpy() for i in range(0, len(Xs), 8192)])


CONFIGS = [
    dict(hidden=1024, dropout=0.1, tau=0.05, lr=5e-4, wd=0.01, cos=0.5, batch=1024),
    dict(hidden=1024, dropout=0.3, tau=0.03, lr=1e-3, wd=0.01, cos=0.5, batch=1024),
]
ALPHAS = [0.001, 0.01, 0.03, 0.1, 0.3, 1, 3, 10]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", default=None, help="submission CSV to write (default DIR/strong_submission.csv)")
    ap.add_argument("--gallery", default=None, help="hidden test gallery (default DIR/test_images.npy if present)")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--configs", type=int, default=len(CONFIGS), help="how many of CONFIGS to try")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--val-fraction", type=float, default=0.1)
    a = ap.parse_args()
    t0 = time.time()
    T = {}
    X, Y, lab, Xtest, ids = load(a.data)
    T["load_s"] = time.time() - t0
    n_img = len(Y)
    rng = np.random.default_rng(a.seed)
    val_img = np.zeros(n_img, bool)
    val_img[rng.permutation(n_img)[: int(round(a.val_fraction * n_img))]] = True
    tr_caps, va_caps = np.nonzero(~val_img[lab])[0], np.nonzero(val_img[lab])[0]
    tr_imgs = np.nonzero(~val_img)[0]
    sx, sy = scaler(X[tr_caps]), scaler(Y[tr_imgs])
    Xs, Ys = std(X, sx), std(Y, sy)
    val = Validation(va_caps, lab, Ys, a.seed)
    out = {"images": n_img, "captions": len(X)}

    # Ridge on the train split, alpha chosen on validation.
    t = time.time()
    path = ridge_path(Xs[tr_caps], Ys[lab[tr_caps]])
    grid = []
    for al in ALPHAS:
        m = val(Xs[va_caps] @ ridge_w(path, al))
        grid.append((m["mrr_batch100"], m["mrr_full"], al, m))
    best = max(grid, key=lambda g: (g[0], g[1]))
    alpha, ridge_val = best[2], best[3]
    W_tr = ridge_w(path, alpha)
    T["ridge_s"] = time.time() - t
    out["ridge"] = {"alpha": alpha, "val": ridge_val, "grid": {str(g[2]): round(g[0], 4) for g in grid}}

    # MLP settings and epoch count chosen on validation.
    t = time.time()
    tried = []
    for ci, cfg in enumerate(CONFIGS[: a.configs]):
        _, curve = train_mlp(Xs[tr_caps], Ys, lab[tr_caps], W_tr, cfg, a.seed + 1, a.epochs, val, Xs[va_caps])
        e = int(np.argmax([c["mrr_batch100"] + 1e-3 * c["mrr_full"] for c in curve]))
        tried.append((curve[e]["mrr_batch100"], ci, e + 1, curve[e], [round(c["mrr_batch100"], 4) for c in curve]))
    best = max(tried)
    cfg, ep = CONFIGS[best[1]], best[2]
    T["mlp_select_s"] = time.time() - t
    out["mlp"] = {"config": cfg, "epochs": ep, "val": best[3], "curves": {str(x[1]): x[4] for x in tried}}

    # Refit on every training image: standardise with all of them, ridge at the chosen alpha, the MLP's seeds.
    t = time.time()
    sx, sy = scaler(X), scaler(Y)
    Xs, Ys = std(X, sx), std(Y, sy)
    W = ridge_w(ridge_path(Xs, Ys[lab]), alpha)
    Xt = std(Xtest, sx)
    ridge_pred = l2(Xt @ W)
    preds = []
    for s in range(a.seeds):
        model, _ = train_mlp(Xs, Ys, lab, W, cfg, a.seed + 100 + s, ep)
        preds.append(l2(predict(model, Xt)))
    mlp_pred = l2(np.mean(preds, 0))
    T["refit_s"] = time.time() - t

    def submit(P):
        return l2(P / sy[1])  # dual: dot with a raw image = standardised-space score + a constant per query

    sub = submit(mlp_pred)
    out_csv = a.out or os.path.join(a.data, "strong_submission.csv")
    with open(out_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "embedding"])
        for i, v in zip(ids, sub):
            w.writerow([int(i), json.dumps([round(float(x), 7) for x in v])])
    out["submission"] = out_csv
    gallery = a.gallery or os.path.join(a.data, "test_images.npy")
    if os.path.exists(gallery):
        G = np.load(gallery).astype(np.float64)
        truth = np.arange(len(G))
        for name, P in (("ridge", submit(ridge_pred)), ("mlp", sub), ("mlp_seed0", submit(preds[0]))):
            b, f = batch100(P, G), full(P, G, truth)
            out.setdefault("test", {})[name] = {"mrr_batch100": b[0], "r1_batch100": b[1], "mrr_full": f[0], "r1_full": f[1]}
    T["total_s"] = time.time() - t0
    out["seconds"] = {k: round(v, 1) for k, v in T.items()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
