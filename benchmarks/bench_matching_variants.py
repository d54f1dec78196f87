"""Propensity matching's ATT/ATC in the coverage benchmark's heterogeneous design, one piece
changed at a time.

Usage::

    .venv/bin/python benchmarks/bench_matching_variants.py FIRST_SEED REPS N

Per replication (seed ``FIRST_SEED + r``, ``N`` rows of ``bench_coverage.hetero``) the 1-NN
matching ATT and ATC are recomputed with the package's own steps (``fit_propensity``,
``_match_side``) and: the estimated logit score, k = 1 (``est``, the estimator as shipped
before the change: ``check`` compares it with ``cc.estimate(..., bias_correction=False)``);
the true logit score (``true``); the estimated probability instead of its logit (``prob``);
k = 4 (``k4``); Abadie & Imbens' (2011) bias correction with a within-arm linear regression
of the outcome on the logit score (``bc_s``, on the true score ``true_bc_s``) or on the
covariates (``bc_x``); the correction with the true outcome functions (``bc_oracle``). It
prints each variant's bias against the exact truth and its shift paired against ``est`` (the
same data sets, so their sampling error cancels). Writes ``matching_variants_FIRST_REPS_N.csv``.
"""

import sys
import time
from pathlib import Path

import numpy as np
from scipy.special import expit, logit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coverage import _hetero_truth, hetero, mean_se, variant_runs  # noqa: E402

import causal_core as cc  # noqa: E402
from causal_core.estimators.matching import _match_side  # noqa: E402
from causal_core.estimators.propensity import fit_propensity  # noqa: E402

TRUTH = _hetero_truth()
EDGES = [("w1", "t"), ("w2", "t"), ("w1", "y"), ("w2", "y"), ("t", "y")]
IDENT = cc.identify(cc.CausalGraph(edges=EDGES), "t", "y")


def _ols(z: np.ndarray, y: np.ndarray, znew: np.ndarray) -> np.ndarray:
    a = np.column_stack([np.ones(len(z)), z])
    b = np.linalg.lstsq(a, y, rcond=None)[0]
    return np.column_stack([np.ones(len(znew)), znew]) @ b


def local_slope_fit(s, t, y, m):
    """Per row: the fitted control outcome a_i + b_i s from a local OLS of y on s among the
    ``m`` nearest controls to row i, evaluated as b_i * s (the intercept cancels in
    f0(i) - f0(j) only if both use row i's line: see ``att``)."""
    from causal_core.estimators.matching import knn_1d
    ctl = np.flatnonzero(t == 0)
    order = np.argsort(s[ctl], kind="stable")
    ref = s[ctl][order]
    idx = ctl[order[knn_1d(ref, s, m)[0]]]
    ss, ys = s[idx], y[idx]
    sc = ss - ss.mean(axis=1, keepdims=True)
    return (sc * (ys - ys.mean(axis=1, keepdims=True))).sum(1) / (sc**2).sum(1)


def att_local_quad(s, t, y, m):
    """Bias correction by a local quadratic fit of the control outcome on s among the ``m``
    nearest controls to each treated row, evaluated at s_i and at its match s_j."""
    from causal_core.estimators.matching import knn_1d
    tr = t == 1
    ctl = np.flatnonzero(~tr)
    order = np.argsort(s[ctl], kind="stable")
    ref = s[ctl][order]
    q = s[tr]
    idx = ctl[order[knn_1d(ref, q, m)[0]]]
    ss, ys = s[idx] - q[:, None], y[idx]
    a = np.stack([np.ones_like(ss), ss, ss**2], axis=2)
    ata = np.einsum("rlk,rlj->rkj", a, a)
    aty = np.einsum("rlk,rl->rk", a, ys)
    b = np.linalg.solve(ata, aty[..., None])[..., 0]
    side = _match_side(q, s[~tr], y[~tr], 1, None)
    dj = _match_side(q, s[~tr], s[~tr], 1, None).imputed - q
    corr = -(b[:, 1] * dj + b[:, 2] * dj**2)  # mu(s_i) - mu(s_j), s centred at s_i
    return float((y[tr] - side.imputed - corr).mean())


def att_local(s, t, y, m, k=1):
    """Bias correction with the local slope at each treated row: imputed + b_i (s_i - s_j)."""
    tr = t == 1
    b = local_slope_fit(s, t, y, m)[tr]
    side = _match_side(s[tr], s[~tr], y[~tr], k, None)
    sj = _match_side(s[tr], s[~tr], s[~tr], k, None).imputed
    return float((y[tr] - side.imputed - b * (s[tr] - sj)).mean())


def att(s, t, y, k=1, f0=None):
    """ATT by k-NN matching on ``s``; ``f0``: fitted control outcome at every row (bias
    correction: imputed Y0 + f0(i) - mean f0(matches))."""
    tr = t == 1
    side = _match_side(s[tr], s[~tr], y[~tr], k, None)
    imp = side.imputed
    if f0 is not None:
        imp = imp + f0[tr] - _match_side(s[tr], s[~tr], f0[~tr], k, None).imputed
    return float((y[tr] - imp).mean())


def one(seed, n):
    d = hetero(n, np.random.default_rng(seed))
    x = d[["w1", "w2"]].to_numpy()
    t = d.t.to_numpy().astype(float)
    y = d.y.to_numpy()
    base = np.sin(1.5 * x[:, 0]) + 0.5 * x[:, 0] ** 2 + x[:, 1]
    m0, m1 = base, base + 2 + x[:, 0]
    s_true = 0.8 * x[:, 0] - 0.4 * x[:, 1]
    fit = fit_propensity(x, t)
    s_est = np.round(logit(np.clip(fit.ps, 1e-15, 1 - 1e-15)), 10)
    out = {"seed": seed}
    for tg in ("att", "atc"):
        # the ATC is the ATT of the flipped treatment, negated (the package's mirror)
        tt, sg = (t, 1.0) if tg == "att" else (1 - t, -1.0)
        yy = sg * y  # ATC = -ATT(1 - t) on y  <=>  ATT(1 - t) on -y
        ss, st = sg * s_est, sg * s_true
        ctl = tt == 0
        out[f"{tg}_est"] = att(ss, tt, yy)
        out[f"{tg}_true"] = att(st, tt, yy)
        out[f"{tg}_prob"] = att(expit(ss), tt, yy)
        out[f"{tg}_k4"] = att(ss, tt, yy, k=4)
        out[f"{tg}_bc_s"] = att(ss, tt, yy, f0=_ols(ss[ctl], yy[ctl], ss))
        out[f"{tg}_true_bc_s"] = att(st, tt, yy, f0=_ols(st[ctl], yy[ctl], st))
        out[f"{tg}_bc_x"] = att(ss, tt, yy, f0=_ols(x[ctl], yy[ctl], x))
        out[f"{tg}_bc_poly3"] = att(ss, tt, yy, f0=_ols(np.column_stack(
            [ss[ctl], ss[ctl] ** 2, ss[ctl] ** 3]), yy[ctl], np.column_stack([ss, ss**2, ss**3])))
        for m in (10, 30, 100):
            out[f"{tg}_bc_loc{m}"] = att_local(ss, tt, yy, m)
        for m in (30, 60):
            out[f"{tg}_bc_locq{m}"] = att_local_quad(ss, tt, yy, m)
        out[f"{tg}_k4_bc_loc30"] = att_local(ss, tt, yy, 30, k=4)
        ms0 = np.exp(-0.225) * np.sin(1.5 * s_true) + 0.5 * s_true**2 + 0.1 - 0.5 * s_true
        ms = sg * (ms0 if tg == "att" else ms0 + 2 + s_true)  # E[Y_w | true score]
        out[f"{tg}_true_bc_oracle_s"] = att(st, tt, yy, f0=ms)
        out[f"{tg}_bc_oracle_s"] = att(ss, tt, yy, f0=ms)
        out[f"{tg}_bc_oracle"] = att(ss, tt, yy, f0=sg * (m0 if tg == "att" else m1))
    if seed % 250 < 2:
        for tg in ("att", "atc"):
            v = cc.estimate(d, IDENT, method="propensity_matching", target=tg,
                            bias_correction=False).value
            out[f"check_{tg}"] = v - out[f"{tg}_est"]
    return out



if __name__ == "__main__":
    s = time.perf_counter()
    df = variant_runs(one, "matching_variants", TRUTH)
    checks = [c for c in df.columns if c.startswith("check")]
    print("cc.estimate minus est, max |diff|:", df[checks].abs().max().max())
    for col in [c for c in df.columns if c.startswith(("atc", "att"))]:
        print(f"{col:16s} bias {mean_se(df[col] - TRUTH[col[:3]])}  sd {df[col].std():.4f}")
    for tg in ("atc", "att"):
        for col in [c for c in df.columns if c.startswith(tg) and c != f"{tg}_est"]:
            print(f"{col} minus {tg}_est (paired): {mean_se(df[col] - df[f'{tg}_est'])}")
    print(f"{time.perf_counter() - s:.0f} s")
