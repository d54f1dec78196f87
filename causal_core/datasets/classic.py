"""The classic DoWhy four-step example, as it is usually written.

``marketing_spend`` is a yes/no campaign decision (1: the campaign ran that week); common causes
``seasonality`` and ``competitor_action``; outcome ``revenue``. The usual steps: model
(``CausalModel(data, "marketing_spend", "revenue", common_causes=[...])``), identify,
estimate by propensity score matching, refute with a random common cause.

Examples
--------
>>> from causal_core.datasets import load_example
>>> ex = load_example("marketing_classic")
>>> sorted(ex.data["marketing_spend"].unique().tolist()), ex.info.true_effect
([0, 1], 30.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import ExampleInfo, Spec, dagitty, register

__all__: list[str] = []

CLASSIC_EFFECT = 30.0


def _make(n: int | None, rng: np.random.Generator) -> pd.DataFrame:
    assert n is not None
    seasonality = rng.normal(0.0, 1.0, n)
    competitor = rng.binomial(1, 0.3, n)
    p = 1.0 / (1.0 + np.exp(-(-0.5 + 1.0 * seasonality + 1.0 * competitor)))
    spend = rng.binomial(1, p)
    revenue = (300 + CLASSIC_EFFECT * spend + 50 * seasonality - 20 * competitor
               + rng.normal(0, 30, n))
    return pd.DataFrame({"seasonality": seasonality.round(3), "competitor_action": competitor,
                         "marketing_spend": spend, "revenue": revenue.round(2)})


register(Spec(
    info=ExampleInfo(
        name="marketing_classic", title="The classic four steps: campaign yes/no → revenue",
        story=("DoWhy's classic example as it is usually written: each week the retailer "
               "decides yes or no on a marketing campaign (marketing_spend). Campaigns are run in "
               "high season and when a competitor acts, and both also move revenue."),
        teaching_point=("Model, identify, estimate, refute: propensity score matching on "
                        "seasonality and competitor_action recovers the +30 effect, and a random "
                        "common cause does not move it."),
        treatment="marketing_spend", outcome="revenue", true_effect=CLASSIC_EFFECT,
        effect_label="ATE: running the campaign (marketing_spend = 1) causes +30 k$ of revenue",
        reference_effect=CLASSIC_EFFECT, n_rows=2000,
        tags=("synthetic", "binary treatment", "confounding", "dowhy classic"),
        estimator="propensity_matching",
    ),
    dag=dagitty("seasonality -> marketing_spend\nseasonality -> revenue\n"
                "competitor_action -> marketing_spend\ncompetitor_action -> revenue\n"
                "marketing_spend -> revenue",
                {"marketing_spend": "exposure", "revenue": "outcome"},
                {"seasonality": (1, 0), "competitor_action": (3, 0), "marketing_spend": (0, 2),
                 "revenue": (4, 2)}),
    equations=(
        "seasonality ~ Normal(0, 1)\n"
        "competitor_action ~ Bernoulli(0.3)\n"
        "marketing_spend ~ Bernoulli(sigmoid(−0.5 + seasonality + competitor_action))  (yes/no)\n"
        "revenue = 300 + 30·marketing_spend + 50·seasonality − 20·competitor_action + Normal(0, 30²)"
    ),
    make=_make, truth={"ATE": CLASSIC_EFFECT, "ATT": CLASSIC_EFFECT, "ATC": CLASSIC_EFFECT},
    adjustment_set=("competitor_action", "seasonality"),
))
