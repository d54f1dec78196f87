"""Multiple imputation and Rubin's rules, and the estimate/refute calls that follow a missing-data choice.

``impute`` fills the missing values ``m`` times with scikit-learn's ``IterativeImputer``
(chained equations, Bayesian ridge, each fill a draw from the predictive distribution, so the
copies differ as much as the data leave the values uncertain). The same estimator runs on each
copy; :func:`pool_rubin` combines the ``m`` estimates by Rubin's rules (Rubin 1987): the point
estimate is their mean, the variance the mean within-copy variance plus ``(1 + 1/m)`` times the
between-copy variance, with Barnard & Rubin's (1999) degrees of freedom for the t interval.

:func:`estimate_missing` and :func:`refute_missing` are ``cc.estimate`` and ``cc.refute`` with a
:class:`~causal_core.missing.MissingDataChoice`: "none" (missing values raise), "complete_cases"
(drop and say how many) or "multiple_imputation" (refutations run on every imputed copy; the
verdict is the majority of the copies' verdicts, the p-value their median: the "median P rule"
of Eekhout, van de Wiel & Heymans 2017).

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> from causal_core.imputation import estimate_missing
>>> from causal_core.missing import MissingDataChoice
>>> rng = np.random.default_rng(0)
>>> w = rng.normal(size=1000); t = 0.8 * w + rng.normal(size=1000)
>>> y = 2.0 * t + w + rng.normal(size=1000)
>>> w[rng.random(1000) < 0.3] = np.nan
>>> df = pd.DataFrame({"w": w, "t": t, "y": y})
>>> ident = cc.identify(cc.CausalGraph.parse("w -> t\\nw -> y\\nt -> y"), "t", "y")
>>> est = estimate_missing(df, ident, MissingDataChoice("multiple_imputation", m=5))
>>> bool(est.ci_low < 2.0 < est.ci_high), est.diagnostics["missing_data"]["m"]
(True, 5)
"""

from __future__ import annotations

import dataclasses
import warnings
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .estimators import EffectEstimate, estimate
from .exceptions import DataError, EstimationError
from .identify import Identification
from .missing import MissingDataChoice, complete_cases, missing_counts
from .refuters import RefutationResult, refute
from .refuters._context import _adjustment_arg

#: Order of verdicts from least to most favourable (ties between copies take the first).
_FAVOUR = {"failed": 0, "unstable": 0, "inconclusive": 1, "": 1, "passed": 2, "stable": 2}

__all__ = ["impute", "pool_rubin", "estimate_missing", "refute_missing", "columns_used",
           "single_frame"]


def _encode(frame: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str, Any]]]:
    """Float matrix with NaN for missing; per column (name, kind, levels)."""
    blocks, spec = [], []
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            v = s.to_numpy(dtype=float)
            v = np.where(np.isfinite(v), v, np.nan)
            levels = np.unique(v[np.isfinite(v)])
            kind = "binary" if levels.size <= 2 else "numeric"
            blocks.append(v[:, None])
            spec.append((str(col), kind, (levels, s.dtype)))
        else:
            cat = s.astype("category")
            cats = list(cat.cat.categories)
            if len(cats) > 100:
                raise DataError(f"The column {col!r} is text with {len(cats)} distinct values: it "
                                "cannot be imputed as a category. Leave it out of the graph.")
            codes = cat.cat.codes.to_numpy()
            onehot = (codes[:, None] == np.arange(len(cats))[None, :]).astype(float)
            onehot[codes < 0] = np.nan
            blocks.append(onehot)
            spec.append((str(col), "category", cats))
    return np.hstack(blocks), spec


def _decode(mat: np.ndarray, spec: list[tuple[str, str, Any]], like: pd.DataFrame) -> pd.DataFrame:
    out: dict[str, Any] = {}
    j = 0
    for name, kind, info in spec:
        if kind == "category":
            k = len(info)
            out[name] = pd.Categorical.from_codes(np.argmax(mat[:, j:j + k], axis=1), info)
            if not isinstance(like[name].dtype, pd.CategoricalDtype):
                out[name] = np.asarray(out[name], dtype=object)
            j += k
            continue
        v = mat[:, j]
        if kind == "binary":
            levels, dtype = info
            near = np.abs(v[:, None] - levels[None, :]).argmin(axis=1)
            v = levels[near]
            out[name] = v.astype(bool) if pd.api.types.is_bool_dtype(dtype) else v
        else:
            out[name] = v
        j += 1
    return pd.DataFrame(out, index=like.index)


def impute(data: pd.DataFrame, m: int = 10, *, max_iter: int = 10,
           random_state: int = 0, progress: Any = None) -> list[pd.DataFrame]:
    """``m`` imputed copies of ``data`` (every column is used to impute every other).

    Each copy fits the chained equations on a bootstrap resample of the rows, then draws every
    missing number from their predictive distribution; columns with two
    values (0/1, bool) are rounded to the nearer value; text columns are imputed as one-hot
    indicators and take the level with the largest draw. Complete columns are unchanged.
    ``progress(fraction)``, when given, is called after each copy (it may raise to stop).

    Raises
    ------
    DataError
        A column is entirely missing, or is text with more than 100 levels.
    """
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    choice = MissingDataChoice("multiple_imputation", m=m, max_iter=max_iter)
    empty = [str(c) for c in data.columns if data[c].isna().all()]
    if empty:
        raise DataError(f"The column(s) {', '.join(map(repr, empty))} have no observed value: "
                        "nothing to impute from. Leave them out of the graph.")
    mat, spec = _encode(data)
    rng = np.random.default_rng(random_state)
    copies = []
    for _ in range(choice.m):
        seed = int(rng.integers(0, 2**31 - 1))
        boot = rng.integers(0, len(mat), size=len(mat))
        imp = IterativeImputer(sample_posterior=True, max_iter=choice.max_iter,
                               random_state=seed, keep_empty_features=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning: the draws never settle, by design
            # Fitting on a bootstrap resample carries the imputation model's own uncertainty
            # into the copies ("proper" imputation); drawing per row alone understates it.
            filled = imp.fit(mat[boot]).transform(mat) if np.isnan(mat).any() else mat
        copy = _decode(filled, spec, data)
        for col in data.columns:  # observed values stay exactly as they were
            obs = data[col].notna().to_numpy()
            if obs.all():
                copy[col] = data[col]
        copies.append(copy[list(data.columns)])
        if progress is not None:
            progress(len(copies) / choice.m)
    return copies


def pool_rubin(estimates: Sequence[EffectEstimate], *, df_complete: float | None = None
               ) -> EffectEstimate:
    """Pool estimates from imputed copies by Rubin's rules.

    Parameters
    ----------
    estimates : list of EffectEstimate
        One per imputed copy (same method, target and alpha).
    df_complete : float, optional
        Degrees of freedom the estimate would have without missing values (default: rows
        minus 2); enters Barnard & Rubin's small-sample correction.

    Returns
    -------
    EffectEstimate
        ``value`` the mean, ``se`` the square root of Rubin's total variance, a t interval;
        ``diagnostics["missing_data"]`` holds ``m``, the per-copy values and standard errors,
        the within/between/total variances, the degrees of freedom and the fraction of
        missing information.
    """
    m = len(estimates)
    if m < 2:
        raise EstimationError(f"Rubin's rules need at least 2 imputed estimates; got {m}.")
    q = np.array([e.value for e in estimates], dtype=float)
    u = np.array([e.se for e in estimates], dtype=float) ** 2
    if not (np.isfinite(q).all() and np.isfinite(u).all()):
        raise EstimationError("An imputed copy produced no finite estimate or standard error; "
                              "Rubin's rules cannot pool it. Try another estimator.")
    qbar, ubar, b = float(q.mean()), float(u.mean()), float(q.var(ddof=1))
    total = ubar + (1 + 1 / m) * b
    first = estimates[0]
    nu_com = float(df_complete) if df_complete is not None else max(first.n_used - 2.0, 1.0)
    lam = (1 + 1 / m) * b / total if total > 0 else 0.0
    if lam <= 1e-12:
        nu = nu_com
    else:
        nu_old = (m - 1) / lam**2
        nu_obs = (nu_com + 1) / (nu_com + 3) * nu_com * (1 - lam)
        nu = nu_old * nu_obs / (nu_old + nu_obs)
    se = float(np.sqrt(total))
    crit = float(stats.t.ppf(1 - first.alpha / 2, nu))
    p = float(2 * stats.t.sf(abs(qbar) / se, nu)) if se > 0 else 0.0
    r = (1 + 1 / m) * b / ubar if ubar > 0 else float("inf")
    fmi = (r + 2 / (nu + 3)) / (r + 1) if np.isfinite(r) else 1.0
    info = {"strategy": "multiple_imputation", "m": m, "values": q.tolist(),
            "ses": np.sqrt(u).tolist(), "within": ubar, "between": b, "total": total,
            "df": nu, "fraction_missing_information": fmi}
    note = (f"Multiple imputation: {m} imputed data sets, estimates pooled by Rubin's rules "
            f"(between-imputation share of the variance {lam:.0%}, fraction of missing "
            f"information {fmi:.0%}, t interval on {nu:,.0f} degrees of freedom).")
    notes = tuple(dict.fromkeys([note, *(w for e in estimates for w in e.warnings)]))
    return dataclasses.replace(
        first, value=qbar, se=se, ci_low=qbar - crit * se, ci_high=qbar + crit * se, p_value=p,
        ci_method=f"Rubin's rules over {m} imputations ({first.ci_method} within each)",
        warnings=notes, diagnostics={**first.diagnostics, "missing_data": info})


def columns_used(data: pd.DataFrame, identification: Identification) -> list[str]:
    """The data's columns that are observed nodes of the identified graph."""
    g = identification.graph
    return [str(c) for c in data.columns if c in g and g.is_observed(c)]


def _cached_copies(data: pd.DataFrame, ident: Identification, choice: MissingDataChoice,
                   random_state: int, progress: Any = None) -> list[pd.DataFrame]:
    return impute(data.loc[:, columns_used(data, ident)], choice.m, max_iter=choice.max_iter,
                  random_state=random_state, progress=progress)


def estimate_missing(data: pd.DataFrame, identification: Identification,
                     missing: MissingDataChoice | None = None, method: Any = "linear_regression",
                     *, random_state: int = 0, progress: Any = None,
                     **kwargs: Any) -> EffectEstimate:
    """:func:`causal_core.estimate` following a missing-data choice.

    ``"none"`` behaves as ``cc.estimate`` (missing values raise :class:`DataError`);
    ``"complete_cases"`` drops incomplete rows, counted in ``n_dropped`` with a note in
    ``warnings`` and ``diagnostics["missing_data"]``; ``"multiple_imputation"`` estimates on
    each of ``m`` imputed copies and pools them (:func:`pool_rubin`). ``kwargs`` go to
    ``cc.estimate`` (target, alpha, adjustment_set, estimator parameters).

    ``progress(fraction)``, when given, is called as the work advances: at the start and the
    end, and under multiple imputation after each copy is drawn (the first half) and after
    each copy's estimate (the second). It may raise to stop the work there (a cancelled job).
    """
    choice = missing or MissingDataChoice()
    report = progress if progress is not None else (lambda _f: None)
    report(0.0)
    est = _estimate_following(data, identification, choice, method, random_state, report, kwargs)
    report(1.0)
    return est


def _estimate_following(data: pd.DataFrame, identification: Identification,
                        choice: MissingDataChoice, method: Any, random_state: int,
                        step: Any, kwargs: dict[str, Any]) -> EffectEstimate:
    if choice.strategy == "none":
        return estimate(data, identification, method=method, random_state=random_state, **kwargs)
    if choice.strategy == "complete_cases":
        from .missing import missingness_table

        cols = columns_used(data, identification)
        outcome = identification.outcome[0] if identification.outcome else None
        table = missingness_table(data, cols) if missing_counts(data, cols) else None
        _, report = complete_cases(data, cols, outcome=outcome, table=table)
        est = estimate(data, identification, method=method, random_state=random_state,
                       dropna=True, **kwargs)
        info = {"strategy": "complete_cases", **report.to_dict()}
        return dataclasses.replace(est, warnings=(report.note, *est.warnings),
                                   diagnostics={**est.diagnostics, "missing_data": info})
    copies = _cached_copies(data, identification, choice, random_state,
                            progress=lambda f: step(0.5 * f))
    ests = []
    for i, c in enumerate(copies):
        ests.append(estimate(c, identification, method=method, random_state=random_state, **kwargs))
        step(0.5 + 0.5 * (i + 1) / len(copies))
    n_miss = missing_counts(data, columns_used(data, identification))
    pooled = pool_rubin(ests)
    info = {**pooled.diagnostics["missing_data"], "by_column": n_miss, "max_iter": choice.max_iter}
    return dataclasses.replace(pooled, diagnostics={**pooled.diagnostics, "missing_data": info})


def refute_missing(data: pd.DataFrame, identification: Identification, est: EffectEstimate,
                   missing: MissingDataChoice | None = None, method: Any = "placebo_treatment",
                   *, n_simulations: int = 100, random_state: int = 0,
                   progress: Any = None, **params: Any) -> RefutationResult:
    """:func:`causal_core.refute` following a missing-data choice.

    Under multiple imputation the refuter runs on each imputed copy against that copy's
    estimate; the result's ``simulated`` values are all copies' together, its p-value the
    median of the copies' p-values (falsification tests) and its verdict the majority's (a tie
    takes the less favourable verdict).
    """
    choice = missing or MissingDataChoice()
    if choice.strategy in ("none", "complete_cases"):  # cc.refute drops what the estimate dropped
        return refute(data, identification, est, method=method, n_simulations=n_simulations,
                      random_state=random_state, progress=progress, **params)
    copies = _cached_copies(data, identification, choice, random_state)
    opts = dict(est.params)
    results = []
    for i, c in enumerate(copies):
        e_i = estimate(c, identification, method=est.method, target=est.target, alpha=est.alpha,
                       random_state=random_state, adjustment_set=_adjustment_arg(est), **opts)
        step = None if progress is None else (lambda f, i=i: progress((i + f) / len(copies)))
        results.append(refute(c, identification, e_i, method=method, n_simulations=n_simulations,
                              random_state=random_state, progress=step, **params))
    first = results[0]
    counts = Counter(r.verdict for r in results)
    top = max(counts.values())
    # the majority's verdict; on a tie the less favourable one
    verdict = min((v for v in counts if counts[v] == top), key=lambda v: _FAVOUR.get(v, 1))
    passed = next(r.passed for r in results if r.verdict == verdict)
    p = (float(np.median([r.p_value for r in results])) if first.kind == "falsification"
         else None)
    tally = ", ".join(f"{v or 'no verdict'} on {k}" for v, k in counts.items())
    sentence = (f"On {len(results)} imputed data sets: {tally}"
                + (f" (median p = {p:.3g})" if p is not None else "")
                + f"; the verdict is the majority's ({verdict or 'none'}; a tie counts as the "
                f"less favourable). First copy: {first.explanation}")
    return dataclasses.replace(
        first, original_value=est.value, p_value=p, passed=passed, verdict=verdict,
        simulated=np.concatenate([r.simulated for r in results]), explanation=sentence,
        n_simulations=int(sum(r.n_simulations for r in results)),
        warnings=tuple(dict.fromkeys(w for r in results for w in r.warnings)))



def single_frame(data: pd.DataFrame, identification: Identification,
                 missing: MissingDataChoice | None = None) -> pd.DataFrame:
    """The one table a single-data-set analysis (e.g. sensitivity) runs on under ``missing``.

    Raises
    ------
    EstimationError
        Under multiple imputation: there is no single table, and pooling such an analysis
        across the copies is not implemented.
    """
    choice = missing or MissingDataChoice()
    if choice.strategy == "none":
        return data
    if choice.strategy == "complete_cases":
        return complete_cases(data, columns_used(data, identification))[0]
    raise EstimationError("This analysis runs on one data set and is not pooled across multiple "
                          "imputations; choose complete cases to see it.")


def contrasts_missing(data: pd.DataFrame, identification: Identification,
                      missing: MissingDataChoice | None = None, method: str = "aipw", *,
                      random_state: int = 0, **kwargs: Any) -> list[EffectEstimate]:
    """:func:`~causal_core.estimators.multivalued.estimate_contrasts` under a missing-data choice
    (multiple imputation pools each contrast by Rubin's rules)."""
    from .estimators.multivalued import estimate_contrasts

    choice = missing or MissingDataChoice()
    if choice.strategy != "multiple_imputation":
        return estimate_contrasts(data, identification, method,
                                  dropna=choice.strategy == "complete_cases", **kwargs)
    copies = _cached_copies(data, identification, choice, random_state)
    per_copy = [estimate_contrasts(c, identification, method, **kwargs) for c in copies]
    return [pool_rubin([run[i] for run in per_copy]) for i in range(len(per_copy[0]))]
