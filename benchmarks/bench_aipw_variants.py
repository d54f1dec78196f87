"""AIPW's ATT/ATC in the coverage benchmark's heterogeneous design, one piece changed at a time.

Usage::

    .venv/bin/python benchmarks/bench_aipw_variants.py FIRST_SEED REPS N

Per replication (seed ``FIRST_SEED + r``, ``N`` rows of ``bench_coverage.hetero``) the AIPW
ATC and ATT are recomputed with the package's own model-fitting steps and: the logistic
score cross-fitted with 5 (``k5``, the estimator before the change), 2 or 10 folds, or fitted
in-sample together with the outcome models (``k1``); the score fitted on every row with
5-fold outcome models (``efull_k5``, the estimator now: ``check`` compares it with
``cc.estimate``); clipping at 0 or 0.05; the true score (``oracle_e``); the true outcome
functions (``oracle_mu``); the right outcome features (``right_mu``). It prints the bias
against the exact truth and each variant's shift paired against ``oracle_e`` (the same data
sets, so their sampling error cancels). Writes ``aipw_variants_FIRST_REPS_N.csv``.
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coverage import _hetero_truth, hetero, mean_se, variant_runs  # noqa: E402

import causal_core as cc  # noqa: E402
from causal_core.estimators.aipw import _fit_predict_outcome, _fit_predict_ps  # noqa: E402

TRUTH = _hetero_truth()
EDGES = [("w1", "t"), ("w2", "t"), ("w1", "y"), ("w2", "y"), ("t", "y")]
IDENT = cc.identify(cc.CausalGraph(edges=EDGES), "t", "y")


def feats(x):
    return np.column_stack([np.sin(1.5 * x[:, 0]), x[:, 0] ** 2, x[:, 0], x[:, 1]])


def crossfit(x, t, y, k, seed, spec, e_full=False):
    n = len(t)
    if k == 1:
        fold = np.zeros(n, int)
    else:
        fold = np.empty(n, dtype=int)
        fold[np.random.default_rng(seed).permutation(n)] = np.arange(n) % k
    e, mu1, mu0 = np.empty(n), np.empty(n), np.empty(n)
    xo = feats(x) if spec == "right" else x
    for f in range(max(k, 1)):
        te = fold == f
        tr = ~te if k > 1 else np.ones(n, bool)
        if e_full:
            e[te], _ = _fit_predict_ps("logistic", x, t, x[te], 100)
        else:
            e[te], _ = _fit_predict_ps("logistic", x[tr], t[tr], x[te], 100)
        g1, g0 = tr & (t == 1), tr & (t == 0)
        mu1[te] = _fit_predict_outcome("linear", xo[g1], y[g1], xo[te])
        mu0[te] = _fit_predict_outcome("linear", xo[g0], y[g0], xo[te])
    return e, mu1, mu0


def att(t, y, e, mu0):
    num = t * (y - mu0) - (1 - t) * e / (1 - e) * (y - mu0)
    return num.sum() / t.sum()


def atc(t, y, e, mu1):
    num = (1 - t) * (mu1 - y) + t * (1 - e) / e * (y - mu1)
    return num.sum() / (1 - t).sum()


def one(seed, n):
    rng = np.random.default_rng(seed)
    d = hetero(n, rng)
    x = d[["w1", "w2"]].to_numpy()
    t = d.t.to_numpy().astype(float)
    y = d.y.to_numpy()
    etrue = 1 / (1 + np.exp(-(0.8 * x[:, 0] - 0.4 * x[:, 1])))
    base = np.sin(1.5 * x[:, 0]) + 0.5 * x[:, 0] ** 2 + x[:, 1]
    m0, m1 = base, base + 2 + x[:, 0]
    out = {"seed": seed}
    fits = {}
    for k in (5, 2, 10, 1):
        fits[k] = crossfit(x, t, y, k, 0, "linear")  # seed 0 ~ random_state=0 of the package
    e5, mu1, mu0 = fits[5]
    def c(e, lo=0.01):
        return np.clip(e, lo, 1 - lo)
    for k, (e, a1, a0) in fits.items():
        out[f"atc_k{k}"] = atc(t, y, c(e), a1)
        out[f"att_k{k}"] = att(t, y, c(e), a0)
    out["atc_clip0"] = atc(t, y, e5, mu1)
    out["att_clip0"] = att(t, y, e5, mu0)
    out["atc_clip05"] = atc(t, y, c(e5, 0.05), mu1)
    out["att_clip05"] = att(t, y, c(e5, 0.05), mu0)
    out["atc_oracle_e"] = atc(t, y, etrue, mu1)
    out["att_oracle_e"] = att(t, y, etrue, mu0)
    out["atc_oracle_mu"] = atc(t, y, c(e5), m1)
    out["att_oracle_mu"] = att(t, y, c(e5), m0)
    ef, f1, f0 = crossfit(x, t, y, 5, 0, "linear", e_full=True)
    out["atc_efull_k5"] = atc(t, y, c(ef), f1)
    out["att_efull_k5"] = att(t, y, c(ef), f0)
    er, r1, r0 = crossfit(x, t, y, 5, 0, "right")
    out["atc_right_mu"] = atc(t, y, c(er), r1)
    out["att_right_mu"] = att(t, y, c(er), r0)
    out["satc"] = float((2 + x[t == 0, 0]).mean())
    out["satt"] = float((2 + x[t == 1, 0]).mean())
    if seed < 1003 or (seed % 1000) < 3:
        p = cc.estimate(d, IDENT, method="aipw", target="atc", random_state=0).value
        out["check"] = p - out["atc_efull_k5"]
    return out



if __name__ == "__main__":
    s = time.perf_counter()
    df = variant_runs(one, "aipw_variants", TRUTH)
    print("cc.estimate minus efull_k5, max |diff|:", df["check"].abs().max())
    for col in [c for c in df.columns if c.startswith(("atc", "att"))]:
        print(f"{col:16s} bias {mean_se(df[col] - TRUTH[col[:3]])}")
    for tg in ("atc", "att"):
        for v in ("k5", "k2", "k10", "k1", "efull_k5", "clip05"):
            diff = df[f"{tg}_{v}"] - df[f"{tg}_oracle_e"]
            print(f"{tg}_{v} minus {tg}_oracle_e (paired): {mean_se(diff)}")
    print(f"{time.perf_counter() - s:.0f} s")
