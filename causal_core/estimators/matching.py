"""Propensity-score matching: k nearest neighbours with replacement, optional caliper.

By default the estimator is Abadie & Imbens' (2011) bias-corrected matching estimator. A
match is never at exactly its unit's score, and plain matching keeps the outcome's change
over that gap, ``μ_w(s_i) - μ_w(s_j)``, as a bias, largest where the other arm is sparse.
Each match's outcome is therefore moved by the gap times the slope of a local linear
regression of the outcome on the logit score among the :data:`BIAS_CORRECTION_NEIGHBORS`
nearest units of the match's arm around the unit. Measured in the coverage benchmark's
heterogeneous design (``benchmarks/bench_matching_variants.py``, n = 2,000, seeds 0-1,999):
plain matching's ATT is +0.0050 and its ATC -0.0065 off (± 0.0023); matching on the true
score with the true ``E[Y_w | s]`` correction, +0.0000 and +0.0018 (± 0.0027): the gap is
the cause; this correction, +0.0039 and +0.0009. A global linear fit on the score or on the
covariates made the ATC worse (-0.012), the outcome being curved in the score. It is not
exact for a curved outcome and can hurt (a noise-free 3 sin(w) outcome in the tests' notes);
the variance below is the plain estimator's, which the correction leaves unchanged to first
order (Abadie & Imbens 2011); the coverage table re-measures it. ``bias_correction=False``
gives plain matching.

Matching is one-dimensional (on the logit of the propensity score), so neighbours are found
with ``np.searchsorted`` on the sorted scores: O(n log n), a million rows in about a second.
Ties are broken by row order, after rounding scores to 1e-10 so that equal scores tie exactly.

The analytic standard error is Abadie & Imbens' (2006) matching variance, with the
conditional variances estimated from each row's nearest same-group neighbour. Taken alone
it treats the propensity score as known, which over-states the ATE's variance; it is
corrected by Abadie & Imbens' (2016) adjustment for the estimated logistic score (for the
ATE the correction is never positive; for the ATT and ATC it can go either way, because
the treated population itself moves with the score). With a caliper that drops rows the
known-score variance is kept. The coverage table in the README shows what remains.
``ci="bootstrap"`` re-fits the score and re-matches on each resample instead.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> rng = np.random.default_rng(0)
>>> w = rng.normal(size=3000); t = (w + rng.normal(size=3000) > 0.5).astype(int)
>>> df = pd.DataFrame({"w": w, "t": t, "y": 2.0 * t + w + rng.normal(size=3000)})
>>> g = cc.CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")])
>>> est = cc.estimate(df, cc.identify(g, "t", "y"), method="propensity_matching", target="att")
>>> bool(est.ci_low < 2.0 < est.ci_high)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logit

from ..exceptions import EstimationError
from ._stats import bootstrap_se_ci
from .base import CI_CHOICE, MAX_ITER, Estimator, ParamInfo, register
from .positivity import WARN_SHARE, overlap_notes
from .prepare import Problem
from .propensity import PropensityFit, fit_propensity, propensity_diagnostics, require_both_groups
from .result import EffectEstimate

__all__ = ["PropensityMatching", "knn_1d", "local_slopes", "POOR_MATCH_SD",
           "BIAS_CORRECTION_NEIGHBORS"]

#: Same-arm units around each unit whose local linear regression of the outcome on the logit
#: score gives the bias correction's slope (measured in ``benchmarks/bench_matching_variants.py``).
BIAS_CORRECTION_NEIGHBORS = 30

#: A match farther than this many standard deviations of the logit score is "poor"; it is
#: also the caliper customarily offered (Austin 2011).
POOR_MATCH_SD = 0.2


def knn_1d(sorted_ref: np.ndarray, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest values of ``sorted_ref`` to each query: ``(positions, distances)``.

    Positions index ``sorted_ref``; rows are ordered nearest first, ties to the lower position.
    """
    n = sorted_ref.size
    width = min(2 * k, n)
    pos = np.searchsorted(sorted_ref, query)
    start = np.clip(pos - k, 0, n - width)
    cand = start[:, None] + np.arange(width)[None, :]
    dist = np.abs(sorted_ref[cand] - query[:, None])
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(cand, order, 1), np.take_along_axis(dist, order, 1)


@dataclass(frozen=True)
class _Side:
    """Matches of one group (the query side) into the other."""

    imputed: np.ndarray  # mean outcome of the matches, per query row (nan when none)
    kept: np.ndarray  # query rows with at least one match
    k1: np.ndarray  # per reference row: sum over its uses of 1/M_j
    k2: np.ndarray  # per reference row: sum over its uses of 1/M_j^2
    far: np.ndarray  # per query row: distance to its farthest used match (inf when none)


def local_slopes(sorted_ref: np.ndarray, y_sorted: np.ndarray, query: np.ndarray,
                 n_local: int, chunk: int = 50_000) -> np.ndarray:
    """Per query value: the least-squares slope of ``y`` on the score among the ``n_local``
    nearest reference values (0 where they all share one score). Chunked: bounded memory."""
    out = np.zeros(query.size)
    m = min(int(n_local), sorted_ref.size)
    if m < 2:
        return out
    for lo in range(0, query.size, chunk):
        q = slice(lo, min(lo + chunk, query.size))
        pos = knn_1d(sorted_ref, query[q], m)[0]
        ss, ys = sorted_ref[pos], y_sorted[pos]
        sc = ss - ss.mean(axis=1, keepdims=True)
        sxx = (sc**2).sum(axis=1)
        sxy = (sc * (ys - ys.mean(axis=1, keepdims=True))).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[q] = np.where(sxx > 0, sxy / sxx, 0.0)
    return out


def _match_side(
    s_query: np.ndarray, s_ref: np.ndarray, y_ref: np.ndarray, k: int, caliper: float | None,
    n_local: int | None = None,
) -> _Side:
    """Match every query row to its ``k`` nearest reference rows in score (with replacement).

    With ``n_local`` the imputed outcome is bias-corrected (Abadie & Imbens 2011): each
    match's outcome ``y_j`` becomes ``y_j + μ(s_i) - μ(s_j)``, with ``μ`` the reference
    arm's local linear regression of the outcome on the score around ``s_i`` (its
    ``n_local`` nearest reference rows), i.e. ``y_j + b_i (s_i - s_j)``.
    """
    order = np.argsort(s_ref, kind="stable")
    sorted_ref = s_ref[order]
    pos, dist = knn_1d(sorted_ref, s_query, k)
    ok = np.ones_like(dist, dtype=bool) if caliper is None else dist <= caliper
    m = ok.sum(axis=1)
    kept = m > 0
    idx = order[pos]
    with np.errstate(invalid="ignore", divide="ignore"):
        imputed = np.where(kept, (y_ref[idx] * ok).sum(axis=1) / m, np.nan)
        if n_local:
            gap = s_query - np.where(kept, (sorted_ref[pos] * ok).sum(axis=1) / m, np.nan)
            slope = local_slopes(sorted_ref, y_ref[order], s_query, n_local)
            imputed = imputed + slope * gap
        inv = np.where(ok, 1.0 / m[:, None], 0.0)
    k1 = np.bincount(idx.ravel(), weights=inv.ravel(), minlength=s_ref.size)
    k2 = np.bincount(idx.ravel(), weights=(inv**2).ravel(), minlength=s_ref.size)
    far = np.where(kept, np.where(ok, dist, -np.inf).max(axis=1), np.inf)
    return _Side(imputed, kept, k1, k2, far)


def _own_variance(score: np.ndarray, y: np.ndarray) -> np.ndarray:
    """σ²(x_i) from the nearest same-group neighbour in score: (y_i - y_l)² / 2."""
    if y.size < 2:
        return np.zeros_like(y)
    order = np.argsort(score, kind="stable")
    s, ys = score[order], y[order]
    gap_prev = np.r_[np.inf, np.diff(s)]
    gap_next = np.r_[np.diff(s), np.inf]
    nb = np.where(gap_prev <= gap_next, np.r_[ys[0], ys[:-1]], np.r_[ys[1:], ys[-1]])
    out = np.empty_like(y)
    out[order] = (ys - nb) ** 2 / 2.0
    return out


def _local_moments(x: np.ndarray, score: np.ndarray, t: np.ndarray, y: np.ndarray,
                   n_local: int, chunk: int) -> dict[int, tuple[np.ndarray, np.ndarray]] | None:
    """Per row and arm: ``cov(X, Y | score)`` and ``E[Y | score]`` among the ``n_local``
    nearest units of that arm in score (chunked, bounded memory); None if an arm is tiny."""
    n, k = x.shape
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for arm in (1, 0):
        grp = np.flatnonzero(t == arm)
        m = min(int(n_local), grp.size)
        if m < 3:
            return None
        order = np.argsort(score[grp], kind="stable")
        ref = score[grp][order]
        cov, mean = np.empty((n, k)), np.empty(n)
        for lo in range(0, n, chunk):
            rows = np.arange(lo, min(lo + chunk, n))
            idx = grp[order[knn_1d(ref, score[rows], m)[0]]]
            xs, ys = x[idx], y[idx]
            xc = xs - xs.mean(axis=1, keepdims=True)
            yc = ys - ys.mean(axis=1, keepdims=True)
            cov[rows] = np.einsum("rlk,rl->rk", xc, yc) / (m - 1)
            mean[rows] = ys.mean(axis=1)
        out[arm] = (cov, mean)
    return out


def estimated_score_adjustment(fit: PropensityFit, score: np.ndarray, t: np.ndarray,
                               y: np.ndarray, target: str = "ate", tau: float = 0.0,
                               n_local: int = 10, chunk: int = 50_000) -> float:
    """The change in the matching estimator's variance from estimating the logistic score.

    Abadie & Imbens (2016, Econometrica 84(2), Theorems 1 and 2). For the ATE it is
    ``-c' I⁻¹ c / n`` with ``c = E[e(1-e) (cov(X, μ1 | e) / e + cov(X, μ0 | e) / (1 - e))]``
    and ``I`` the logistic model's information (never positive). For the ATT it is
    ``(d' I⁻¹ d - c' I⁻¹ c) / n`` with ``d = E[X e(1-e) (τ(X) - τ_t)] / p`` (how the
    treated population, hence the ATT itself, moves with the score's coefficients) and
    ``c = d + E[e cov(X, μ0 | e)] / p``; it can have either sign. The ATC is the mirror
    image (``p → 1 - p``, ``μ0 → -μ1``). Conditional covariances and the effect at a given
    score are estimated from the ``n_local`` nearest units of each group in score, and
    ``E[X e(1-e) τ(X)]`` as ``E[e(1-e) (X τ̄(e) + cov(X, μ1 - μ0 | e))]``.
    """
    x, e = fit.design, fit.ps
    n, k = x.shape
    mom = _local_moments(x, score, t, y, n_local, chunk)
    if mom is None:
        return 0.0
    (cov1, m1), (cov0, m0) = mom[1], mom[0]
    v = e * (1 - e)
    info = (x * v[:, None]).T @ x / n + np.diag(np.r_[0.0, np.full(k - 1, fit.penalty)])

    def quad(a: np.ndarray) -> float:
        return float(a @ np.linalg.solve(info, a))

    if target == "ate":
        c = ((1 - e)[:, None] * cov1 + e[:, None] * cov0).mean(axis=0)
        return -quad(c) / n
    g = (v[:, None] * (x * (m1 - m0 - tau)[:, None] + cov1 - cov0)).mean(axis=0)
    if target == "att":
        p = float(t.mean())
        d, c = g / p, (g + (e[:, None] * cov0).mean(axis=0)) / p
    else:
        p = 1.0 - float(t.mean())
        d, c = g / p, (g - ((1 - e)[:, None] * cov1).mean(axis=0)) / p
    return (quad(d) - quad(c)) / n


@register
class PropensityMatching(Estimator):
    """Nearest-neighbour matching on the logit propensity score, with replacement.

    Parameters
    ----------
    n_neighbors : int
        Matches per row (k).
    caliper : float or None
        Maximum distance in standard deviations of the logit score (0.2 is customary);
        rows without a match inside it are dropped and counted.
    bias_correction : bool
        Abadie & Imbens' (2011) bias-corrected matching estimator (the default): each
        match's outcome is moved by ``μ_w(s_i) - μ_w(s_j)``, the gap in score between a
        unit and its match times the slope of a local linear regression of the outcome on
        the logit score among the :data:`BIAS_CORRECTION_NEIGHBORS` nearest units of the
        match's arm. False: plain matching (DoWhy's estimator), whose gap biases the ATT
        and ATC by about a third of their Monte-Carlo SE at n = 2,000 (see the README).
    ci : {"analytic", "bootstrap"}
        Abadie–Imbens standard error, or a bootstrap that re-fits and re-matches.
    n_bootstrap : int
        Resamples when ``ci="bootstrap"``.
    max_iter : int
        Iterations of the propensity model.
    """

    name = "propensity_matching"
    order = 2
    label = "Propensity score matching"
    description = ("k-nearest-neighbour matching on the propensity score, with replacement; "
                   "bias-corrected for the score gap between a unit and its matches (Abadie "
                   "& Imbens 2011) unless bias_correction=False.")
    targets = ("ate", "att", "atc")
    ci = "analytic or bootstrap"
    param_info = {
        "n_neighbors": ParamInfo("Matches per unit", "How many units of the other group, "
                                 "nearest on the propensity score, each unit is compared with. "
                                 "More: less noise, more bias.", minimum=1, maximum=50),
        "caliper": ParamInfo("Largest score distance for a match (caliper)", "Units with no "
                             "match closer than this on the propensity score are left out. "
                             "Empty: every unit is matched.", minimum=0.0, maximum=1.0,
                             optional=True),
        "bias_correction": ParamInfo(
            "Bias correction", "On (default): Abadie & Imbens' (2011) bias-corrected "
            "matching estimator; each match's outcome is adjusted for the gap in propensity "
            f"score between the unit and its match (local linear fit on the "
            f"{BIAS_CORRECTION_NEIGHBORS} nearest units of the match's group). Off: plain "
            "matching, as in DoWhy; biased when matches are far apart.",
            choices={True: "on (bias-corrected, Abadie & Imbens 2011)",
                     False: "off (plain matching)"}),
        "ci": CI_CHOICE,
        "n_bootstrap": ParamInfo("Bootstrap resamples", "Only for the bootstrap interval.",
                                 minimum=20, maximum=5000),
        "max_iter": MAX_ITER,
    }

    def __init__(
        self,
        *,
        n_neighbors: int = 1,
        caliper: float | None = None,
        bias_correction: bool = True,
        ci: str = "analytic",
        n_bootstrap: int = 200,
        max_iter: int = 100,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.caliper = caliper
        self.bias_correction = bias_correction
        self.ci = ci
        self.n_bootstrap = n_bootstrap
        self.max_iter = max_iter

    def _check(self, problem: Problem) -> int:
        k = self.n_neighbors
        if not isinstance(k, int | np.integer) or k < 1:
            raise EstimationError(f"n_neighbors must be a positive integer; got {k!r}.")
        if self.caliper is not None and not float(self.caliper) > 0:
            raise EstimationError(f"caliper must be positive (e.g. 0.2) or None; got {self.caliper!r}.")
        if not isinstance(self.bias_correction, bool | np.bool_):
            raise EstimationError(
                f"bias_correction must be True or False; got {self.bias_correction!r}.")
        if self.ci not in ("analytic", "bootstrap"):
            raise EstimationError(f"ci must be 'analytic' or 'bootstrap'; got {self.ci!r}.")
        require_both_groups(problem, min_rows=int(k) + 1)
        return int(k)

    def _point(self, problem: Problem, target: str, k: int) -> dict:
        fit = fit_propensity(problem.x, problem.t, max_iter=self.max_iter)
        score = np.round(logit(np.clip(fit.ps, 1e-15, 1 - 1e-15)), 10)
        cal = None if self.caliper is None else float(self.caliper) * float(score.std())
        tr = problem.t == 1
        y1, y0, s1, s0 = problem.y[tr], problem.y[~tr], score[tr], score[~tr]
        need_t = target in ("att", "ate")
        need_c = target in ("atc", "ate")
        nl = BIAS_CORRECTION_NEIGHBORS if self.bias_correction else None
        side_t = _match_side(s1, s0, y0, k, cal, nl) if need_t else None  # treated -> controls
        side_c = _match_side(s0, s1, y1, k, cal, nl) if need_c else None  # controls -> treated
        out: dict = {"fit": fit, "score": score, "tr": tr, "score_sd": float(score.std())}
        if target == "att":
            assert side_t is not None
            d = y1[side_t.kept] - side_t.imputed[side_t.kept]
            out.update(value=float(d.mean()) if d.size else np.nan, d=d, side_t=side_t)
            out["dropped"] = int((~side_t.kept).sum())
        elif target == "atc":
            assert side_c is not None
            d = side_c.imputed[side_c.kept] - y0[side_c.kept]
            out.update(value=float(d.mean()) if d.size else np.nan, d=d, side_c=side_c)
            out["dropped"] = int((~side_c.kept).sum())
        else:
            assert side_t is not None and side_c is not None
            d = np.r_[y1[side_t.kept] - side_t.imputed[side_t.kept],
                      side_c.imputed[side_c.kept] - y0[side_c.kept]]
            out.update(value=float(d.mean()) if d.size else np.nan, d=d,
                       side_t=side_t, side_c=side_c)
            out["dropped"] = int((~side_t.kept).sum() + (~side_c.kept).sum())
        if not np.isfinite(out["value"]):
            raise EstimationError(
                "No row found a match within the caliper; widen the caliper or drop it."
            )
        return out

    def _analytic_se(self, problem: Problem, res: dict, target: str) -> float:
        tr, score, d, tau = res["tr"], res["score"], res["d"], res["value"]
        y = problem.y
        sig1 = _own_variance(score[tr], y[tr])
        sig0 = _own_variance(score[~tr], y[~tr])
        n = d.size
        total = float(((d - tau) ** 2).sum())
        if "side_t" in res:  # controls reused as matches for treated rows
            st = res["side_t"]
            extra = st.k1**2 - st.k2 + (2 * st.k1 if target == "ate" else 0.0)
            total += float((extra * sig0).sum())
        if "side_c" in res:
            sc = res["side_c"]
            extra = sc.k1**2 - sc.k2 + (2 * sc.k1 if target == "ate" else 0.0)
            total += float((extra * sig1).sum())
        var = max(total, 0.0) / n**2
        if not res.get("dropped"):
            adj = estimated_score_adjustment(res["fit"], score, problem.t, y, target, tau)
            if var + adj > 0:
                var += adj
        return float(np.sqrt(var))

    def _quality(self, res: dict, target: str) -> dict:
        """Shares of the target units left unmatched and poorly matched (farther than
        :data:`POOR_MATCH_SD` SD of the logit score), and the caliper used."""
        far = np.concatenate([res[s].far for s in ("side_t", "side_c") if s in res])
        limit = POOR_MATCH_SD * res["score_sd"]
        matched = np.isfinite(far)
        return {
            "share_unmatched": float(1 - matched.mean()) if far.size else 0.0,
            "share_poorly_matched": float((far[matched] > limit).mean()) if matched.any() else 0.0,
            "poor_match_threshold_sd": POOR_MATCH_SD,
            "caliper_sd": None if self.caliper is None else float(self.caliper),
        }

    def _weights(self, problem: Problem, res: dict, target: str) -> np.ndarray:
        tr = res["tr"]
        w = np.zeros(problem.n)
        if "side_t" in res:
            st = res["side_t"]
            w[np.flatnonzero(tr)[st.kept]] += 1.0
            w[np.flatnonzero(~tr)] += st.k1
        if "side_c" in res:
            sc = res["side_c"]
            w[np.flatnonzero(~tr)[sc.kept]] += 1.0
            w[np.flatnonzero(tr)] += sc.k1
        return w

    def _estimate(
        self, problem: Problem, *, target: str, alpha: float, rng: np.random.Generator
    ) -> EffectEstimate:
        k = self._check(problem)
        fit0 = fit_propensity(problem.x, problem.t, max_iter=self.max_iter)
        overlap, notes = overlap_notes(problem, target, fit0)
        res = self._point(problem, target, k)
        fit = res["fit"]
        w = self._weights(problem, res, target)
        diag = propensity_diagnostics(fit, problem, w)
        notes += list(fit.warnings)
        quality = self._quality(res, target)
        if quality["share_poorly_matched"] > WARN_SHARE:
            notes.append(
                f"{100 * quality['share_poorly_matched']:.1f}% of the matched units have a "
                f"match farther than {POOR_MATCH_SD} standard deviations of the logit propensity "
                "score: their comparisons are poor and bias the estimate. Set "
                f"caliper={POOR_MATCH_SD} to drop them (the estimate then describes the matched "
                "units only), or use a doubly robust method."
            )
        if res["dropped"]:
            notes.append(
                f"{res['dropped']} rows found no match within the caliper "
                f"({self.caliper} SD of the logit score) and were left out of the "
                f"{target.upper()}: it describes the matched rows only."
            )
        extra: dict = {}
        if self.ci == "bootstrap":
            def stat(idx: np.ndarray) -> float:
                sub = problem.take(idx)
                if min(int((sub.t == 1).sum()), int((sub.t == 0).sum())) <= k:
                    raise EstimationError("resample lacks a group")
                return self._point(sub, target, k)["value"]

            se, lo, hi, _ = bootstrap_se_ci(
                stat, problem.n, n_bootstrap=int(self.n_bootstrap), alpha=alpha, rng=rng
            )
            extra = {"ci": (lo, hi)}
            how = f"bootstrap: percentile interval, {self.n_bootstrap} resamples (re-fit, re-match)"
        else:
            se = self._analytic_se(problem, res, target)
            of = " of the bias-corrected estimator" if self.bias_correction else ""
            how = (f"analytic: Abadie–Imbens matching variance{of}, adjusted for the estimated "
                   "propensity score (Abadie & Imbens 2016), normal approximation"
                   if not res["dropped"] else
                   f"analytic: Abadie–Imbens matching variance{of} (propensity treated as known: "
                   "with a caliper the 2016 adjustment does not apply), normal approximation")
        return self.result(
            problem, value=res["value"], se=se, target=target, alpha=alpha, ci_method=how,
            warnings=notes, diagnostics={"propensity": diag, "overlap": overlap,
                                         "n_unmatched": res["dropped"], "n_neighbors": k,
                                         "bias_correction": bool(self.bias_correction),
                                         **quality},
            n_used=problem.n - res["dropped"], n_dropped_extra=res["dropped"], **extra,
        )
