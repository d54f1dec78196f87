"""Examples with missing values (known truth), for the missing-data choice and its benchmark.

:func:`campaign_types` is a shop's three campaign types (a categorical treatment) with gaps in two
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

__all__ = ["MAR_TRUE_EFFECT", "CAMPAIGN_EFFECTS", "CAMPAIGN_DAG", "campaign_types", "mar_design"]

#: The causal graph of :func:`campaign_types`.
CAMPAIGN_DAG = """dag {
campaign [exposure]
revenue [outcome]
store_size -> campaign
store_size -> revenue
region -> campaign
region -> revenue
campaign -> revenue
}"""

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


def campaign_types(n: int = 3000, random_state: int = 0) -> pd.DataFrame:
    """Stores with no campaign (``no_campaign``), e-mail or TV (``campaign``) and ``revenue``, with gaps.

    Bigger and southern stores got the costlier campaigns and sell more anyway (confounding by
    ``store_size`` and ``region``). ``store_size`` is missing with probability
    ``sigmoid(-1.5 + 1.2 * standardised revenue)`` (about a quarter, more often for high
    revenue), ``region`` for 8% of stores at random. True effects against no campaign:
    :data:`CAMPAIGN_EFFECTS` (e-mail +10, TV +25); graph: :data:`CAMPAIGN_DAG`.
    """
    rng = np.random.default_rng(random_state)
    size = rng.normal(0.0, 1.0, n)
    region = rng.choice(np.array(["north", "south", "east"]), n, p=[0.4, 0.35, 0.25])
    south = (region == "south").astype(float)
    logits = np.column_stack([np.zeros(n), 0.3 + 0.8 * size, -0.5 + 1.0 * size + 1.0 * south])
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random(n)
    code = (u[:, None] > np.cumsum(p, axis=1)[:, :2]).sum(axis=1)
    campaign = np.array(["no_campaign", "email", "tv"])[code]
    revenue = (200 + CAMPAIGN_EFFECTS["email"] * (code == 1) + CAMPAIGN_EFFECTS["tv"] * (code == 2)
               + 20 * size + 15 * south + rng.normal(0.0, 10.0, n))
    df = pd.DataFrame({"store_size": size.round(3), "region": region, "campaign": campaign,
                       "revenue": revenue.round(2)})
    zr = (revenue - revenue.mean()) / revenue.std()
    df.loc[rng.random(n) < _sigmoid(-1.5 + 1.2 * zr), "store_size"] = np.nan
    df.loc[rng.random(n) < 0.08, "region"] = None
    return df
