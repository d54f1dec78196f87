"""Examples with missing values (known truth), for the missing-data choice and its benchmark.

``campaign_types`` is a shop's three campaign types (a categorical treatment) with gaps in two
covariates; :func:`mar_design` is the benchmark's Gaussian design whose covariate is missing at
random given the outcome (so complete cases are biased and multiple imputation is not).

Examples
--------
>>> import numpy as np
>>> from causal_core.datasets.missing_examples import mar_design
>>> full, holed = mar_design(1000, np.random.default_rng(0))
>>> int(full.isna().sum().sum()), round(float(holed["w"].isna().mean()), 2)
(0, 0.34)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import ExampleInfo, Spec, dagitty, register

__all__ = ["MAR_TRUE_EFFECT", "CAMPAIGN_EFFECTS", "mar_design"]

#: The effect of ``t`` on ``y`` in :func:`mar_design`.
MAR_TRUE_EFFECT = 2.0
#: Revenue effect of each campaign type against no campaign in ``campaign_types``.
CAMPAIGN_EFFECTS = {"email": 10.0, "tv": 25.0}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def mar_design(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(complete data, the same with holes): ``w -> t -> y``, ``w -> y``, all Gaussian.

    ``w`` is missing with probability ``sigmoid(-1 + 2 * standardised y)``:
    missing at random, since ``y`` is always observed, but dependent on the outcome, so dropping
    incomplete rows selects on the outcome. The true effect of ``t`` is 2.
    """
    w = rng.normal(0.0, 1.0, n)
    t = 0.8 * w + rng.normal(0.0, 1.0, n)
    y = MAR_TRUE_EFFECT * t + 1.0 * w + rng.normal(0.0, 1.0, n)
    full = pd.DataFrame({"w": w, "t": t, "y": y})
    zy = (y - y.mean()) / y.std()
    holed = full.copy()
    holed.loc[rng.random(n) < _sigmoid(-1.0 + 2.0 * zy), "w"] = np.nan
    return full, holed


def _make_campaigns(n: int | None, rng: np.random.Generator) -> pd.DataFrame:
    assert n is not None
    size = rng.normal(0.0, 1.0, n)
    region = rng.choice(np.array(["north", "south", "east"]), n, p=[0.4, 0.35, 0.25])
    south = (region == "south").astype(float)
    logits = np.column_stack([np.zeros(n), 0.3 + 0.8 * size, -0.5 + 1.0 * size + 1.0 * south])
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random(n)
    code = (u[:, None] > np.cumsum(p, axis=1)[:, :2]).sum(axis=1)
    campaign = np.array(["none", "email", "tv"])[code]
    revenue = (200 + CAMPAIGN_EFFECTS["email"] * (code == 1) + CAMPAIGN_EFFECTS["tv"] * (code == 2)
               + 20 * size + 15 * south + rng.normal(0.0, 10.0, n))
    df = pd.DataFrame({"store_size": size.round(3), "region": region, "campaign": campaign,
                       "revenue": revenue.round(2)})
    zr = (revenue - revenue.mean()) / revenue.std()
    df.loc[rng.random(n) < _sigmoid(-1.5 + 1.2 * zr), "store_size"] = np.nan
    df.loc[rng.random(n) < 0.08, "region"] = None
    return df


register(Spec(
    info=ExampleInfo(
        name="campaign_types", title="Campaign type → revenue, with gaps", story=(
            "A chain ran no campaign, an e-mail campaign or a TV campaign in each store. Bigger "
            "stores and southern stores got the costlier campaigns and sell more anyway. Store "
            "size is missing for about a quarter of stores (more often for high-revenue ones) "
            "and region for 8%."),
        teaching_point=("Missing values are a decision: complete cases drop rows whose store size "
                        "is missing more often when revenue is high (biased); multiple imputation "
                        "uses revenue to fill them in."),
        treatment="campaign", outcome="revenue", true_effect=CAMPAIGN_EFFECTS["email"],
        effect_label="email vs none: +10 k$ of revenue (tv vs none: +25 k$)",
        reference_effect=CAMPAIGN_EFFECTS["email"], n_rows=3000,
        tags=("synthetic", "categorical treatment", "missing values", "confounding"),
    ),
    dag=dagitty("store_size -> campaign ; store_size -> revenue ; region -> campaign ; "
                "region -> revenue ; campaign -> revenue".replace(" ; ", "\n"),
                {"campaign": "exposure", "revenue": "outcome"},
                {"store_size": (1, 0), "region": (3, 0), "campaign": (0, 2), "revenue": (4, 2)}),
    equations=(
        "store_size ~ Normal(0, 1); region ∈ {north 0.4, south 0.35, east 0.25}\n"
        "campaign ~ multinomial logit: email 0.3 + 0.8·size, tv −0.5 + size + south (none: 0)\n"
        "revenue = 200 + 10·email + 25·tv + 20·store_size + 15·south + Normal(0, 10²)\n"
        "store_size missing with probability sigmoid(−1.5 + 1.2·standardised revenue); "
        "region missing 8% at random"
    ),
    make=_make_campaigns,
    truth={"email vs none": CAMPAIGN_EFFECTS["email"], "tv vs none": CAMPAIGN_EFFECTS["tv"]},
    adjustment_set=("region", "store_size"),
))
