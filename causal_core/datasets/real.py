"""Examples from real data: Simpson's paradox (kidney stones) and LaLonde's NSW job training.

The kidney-stone table is rebuilt row by row from the published counts (Charig et al. 1986).
The LaLonde data ship as CSV files under ``datasets/data/`` (see the README there for their
provenance and licence).

Examples
--------
>>> from causal_core.datasets import load_example
>>> ex = load_example("lalonde_experimental")
>>> ex.data.shape, ex.info.reference_effect
((445, 12), 1794.34)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .base import ExampleInfo, Spec, dagitty, register

__all__: list[str] = []

DATA_DIR = Path(__file__).parent / "data"

# ------------------------------------------------------------------------------- kidney stones
#: (open_surgery, large_stone) -> (successes, patients); A = open surgery, B = PCNL.
KIDNEY_COUNTS: dict[tuple[int, int], tuple[int, int]] = {
    (1, 0): (81, 87), (1, 1): (192, 263), (0, 0): (234, 270), (0, 1): (55, 80),
}


def _kidney_truth() -> dict[str, float]:
    total = sum(n for _, n in KIDNEY_COUNTS.values())
    rate = {k: s / n for k, (s, n) in KIDNEY_COUNTS.items()}
    by_size = {size: rate[(1, size)] - rate[(0, size)] for size in (0, 1)}
    share = {size: (KIDNEY_COUNTS[(1, size)][1] + KIDNEY_COUNTS[(0, size)][1]) / total
             for size in (0, 1)}
    return {"ATE": sum(share[s] * by_size[s] for s in (0, 1)),
            "effect | small stones": by_size[0], "effect | large stones": by_size[1]}


def _make_kidney(n: int | None, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for (surgery, large), (success, total) in KIDNEY_COUNTS.items():
        rows += [(surgery, large, 1)] * success + [(surgery, large, 0)] * (total - success)
    frame = pd.DataFrame(rows, columns=["open_surgery", "large_stone", "success"])
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)


_KIDNEY_TRUTH = _kidney_truth()
register(Spec(
    info=ExampleInfo(
        name="kidney_stones", title="Kidney stones: Simpson's paradox", story=(
            "Two treatments for kidney stones were compared on 700 patients: open surgery (A) "
            "and a keyhole procedure (B). Overall B succeeds more often, yet A does better for "
            "small stones and for large stones. Doctors gave the harder, large stones to open "
            "surgery."),
        teaching_point=("Simpson's paradox: the pooled comparison and the per-group comparisons "
                        "disagree; the causal graph (size affects both choice and success) says "
                        "which one answers the causal question: adjust for stone size."),
        treatment="open_surgery", outcome="success", true_effect=round(_KIDNEY_TRUTH["ATE"], 6),
        effect_label=("Size-adjusted risk difference (ATE) computed from the published counts: "
                      "open surgery raises the success probability by about 5.3 points"),
        reference_effect=round(_KIDNEY_TRUTH["ATE"], 6), n_rows=700,
        tags=("real", "binary treatment", "binary outcome", "Simpson's paradox"),
        source=("Counts from Charig CR, Webb DR, Payne SR, Wickham JEA (1986), BMJ 292:879-882, "
                "expanded to one row per patient."),
    ),
    dag=dagitty("large_stone -> open_surgery ; large_stone -> success ; open_surgery -> success",
                {"open_surgery": "exposure", "success": "outcome"},
                {"large_stone": (2, 0), "open_surgery": (0, 1), "success": (4, 1)}),
    equations=(
        "Published counts (successes / patients):\n"
        "  open surgery (A): small stones 81/87,   large stones 192/263   (273/350 = 78%)\n"
        "  keyhole PCNL (B): small stones 234/270, large stones 55/80     (289/350 = 83%)\n"
        "Naive difference A − B: 0.780 − 0.826 = −0.046 (A looks worse).\n"
        "Size-adjusted (standardised over 357 small / 343 large stones): "
        f"{_KIDNEY_TRUTH['ATE']:+.4f} (A is better)."
    ),
    make=_make_kidney, truth=_KIDNEY_TRUTH, adjustment_set=("large_stone",), shipped=True,
))

# ------------------------------------------------------------------------------------- LaLonde
LALONDE_BENCHMARK = 1794.34
_COVARIATES = ("age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "u74", "u75")
_DERIVED = "educ -> nodegree ; re74 -> u74 ; re75 -> u75 ; re74 -> re75"
_LALONDE_POS = {**{c: (i, 0) for i, c in enumerate(_COVARIATES)}, "treat": (2, 2), "re78": (7, 2)}
_LALONDE_SOURCE = ("causaldata Python package (MIT licence): NSW experimental sample of Dehejia & "
                   "Wahba (1999) from LaLonde (1986); CPS-1 comparison group.")
_LALONDE_EQUATIONS = (
    "Columns: treat (1 = offered NSW job training), age, educ (years of schooling), black, hisp, "
    "marr (married), nodegree (no high-school degree), re74 / re75 / re78 (real earnings in 1974, "
    "1975, 1978, USD), u74 / u75 (1 if no earnings that year).\n"
    "No equations: real data. The covariates are pre-treatment; nodegree is derived from educ and "
    "u74/u75 from re74/re75, hence those edges."
)


def _read_lalonde(file: str) -> pd.DataFrame:
    frame = pd.read_csv(DATA_DIR / file, compression="infer")
    return frame[["treat", *_COVARIATES, "re78"]]


def _lalonde_dag(randomised: bool) -> str:
    edges = [f"{c} -> re78" for c in _COVARIATES] + ["treat -> re78", _DERIVED]
    if not randomised:
        edges += [f"{c} -> treat" for c in _COVARIATES]
    return dagitty("\n".join(edges), {"treat": "exposure", "re78": "outcome"}, _LALONDE_POS)


register(Spec(
    info=ExampleInfo(
        name="lalonde_experimental", title="Job training (NSW randomised experiment)", story=(
            "In the 1970s the National Supported Work programme offered job training to "
            "disadvantaged workers, and a lottery decided who got it. 445 men took part; their "
            "1978 earnings show what the training was worth."),
        teaching_point=("Randomisation breaks every arrow into the treatment: the simple "
                        "difference in means (1,794 $) is already the causal effect."),
        treatment="treat", outcome="re78", true_effect=None,
        effect_label=("Experimental benchmark: difference in mean 1978 earnings, trained − "
                      "controls = 1,794.34 $ (an estimate from the experiment, not a known truth)"),
        reference_effect=LALONDE_BENCHMARK, n_rows=445,
        tags=("real", "binary treatment", "randomised experiment"), source=_LALONDE_SOURCE,
        target="att",
    ),
    dag=_lalonde_dag(randomised=True),
    equations=_LALONDE_EQUATIONS + "\nTreatment assigned by lottery: no arrows into treat.",
    make=lambda n, rng: _read_lalonde("lalonde_nsw_experimental.csv"), truth={},
    adjustment_set=(), shipped=True,
))

register(Spec(
    info=ExampleInfo(
        name="lalonde_cps", title="Job training, observational (NSW trainees vs CPS)", story=(
            "The same 185 trainees, but compared with 15,992 people from a national survey "
            "instead of the lottery losers. Survey respondents earned far more to begin with, so "
            "the raw comparison says training cost trainees 8,500 $ a year."),
        teaching_point=("LaLonde's test: can observational methods recover the experimental "
                        "answer (about 1,794 $)? Adjusting for prior earnings and demographics "
                        "gets close; the naive difference (−8,498 $) is far off."),
        treatment="treat", outcome="re78", true_effect=None,
        effect_label=("Experimental benchmark (an ATT: the effect on the NSW trainees) = "
                      "1,794.34 $; not a known truth"),
        reference_effect=LALONDE_BENCHMARK, n_rows=16_177,
        tags=("real", "binary treatment", "observational", "confounding"), source=_LALONDE_SOURCE,
        target="att",
    ),
    dag=_lalonde_dag(randomised=False),
    equations=_LALONDE_EQUATIONS + "\nTrainees chose/qualified for NSW: every covariate → treat.",
    make=lambda n, rng: _read_lalonde("lalonde_nsw_cps.csv.gz"), truth={},
    adjustment_set=_COVARIATES, shipped=True,
))
