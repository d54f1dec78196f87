"""Synthetic examples with a known truth: marketing (continuous and binary), hospital
readmissions, the collider trap, an instrument and the front door.

Every generator draws from the ``numpy.random.Generator`` it is given, so the same seed gives
the same data; latent variables are drawn but never returned.

Examples
--------
>>> from causal_core.datasets import load_example
>>> ex = load_example("instrument", n=1000)
>>> "motivation" in ex.data.columns, ex.graph.latent
(False, ('motivation',))
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import ExampleInfo, Spec, dagitty, register

__all__: list[str] = []


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# ------------------------------------------------------------------------------------ marketing
_MKT_POS = {"seasonality": (1, 0), "competitor_action": (3, 0), "marketing_spend": (0, 2), "revenue": (4, 2)}
_MKT_STORY = (
    "A retailer wants to know what each extra thousand dollars of marketing brings in. Spend is "
    "raised in high season and when a competitor runs a promotion, and both of these also move "
    "revenue. So weeks with big budgets look great partly because they were good weeks anyway."
)


def _mkt_common(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    seasonality = rng.normal(0.0, 1.0, n)
    competitor = rng.binomial(1, 0.3, n)
    return seasonality, competitor


def _make_marketing(n: int | None, rng: np.random.Generator) -> pd.DataFrame:
    assert n is not None
    s, c = _mkt_common(n, rng)
    spend = 100 + 15 * s + 10 * c + rng.normal(0, 10, n)
    revenue = 300 + 2.0 * spend + 50 * s - 20 * c + rng.normal(0, 30, n)
    return pd.DataFrame({"seasonality": s.round(3), "competitor_action": c,
                         "marketing_spend": spend.round(2), "revenue": revenue.round(2)})


def _make_marketing_binary(n: int | None, rng: np.random.Generator) -> pd.DataFrame:
    assert n is not None
    s, c = _mkt_common(n, rng)
    campaign = rng.binomial(1, _sigmoid(-0.5 + 1.0 * s + 1.0 * c))
    revenue = 300 + 30 * campaign + 50 * s - 20 * c + rng.normal(0, 30, n)
    return pd.DataFrame({"seasonality": s.round(3), "competitor_action": c,
                         "campaign": campaign, "revenue": revenue.round(2)})


_MKT_EDGES = """
seasonality -> {T} ; seasonality -> revenue
competitor_action -> {T} ; competitor_action -> revenue
{T} -> revenue
"""
register(Spec(
    info=ExampleInfo(
        name="marketing", title="Marketing spend → revenue", story=_MKT_STORY,
        teaching_point=("Confounding: the naive slope of revenue on spend is about twice the true "
                        "effect; adjusting for seasonality and competitor action recovers it."),
        treatment="marketing_spend", outcome="revenue", true_effect=2.0,
        effect_label="ATE: +1 k$ of marketing spend causes +2.0 k$ of revenue",
        reference_effect=2.0, n_rows=2000, tags=("synthetic", "continuous treatment", "confounding"),
    ),
    dag=dagitty(_MKT_EDGES.replace("{T}", "marketing_spend"),
                {"marketing_spend": "exposure", "revenue": "outcome"}, _MKT_POS),
    equations=(
        "seasonality ~ Normal(0, 1)                       (demand index)\n"
        "competitor_action ~ Bernoulli(0.3)               (a competitor promotion runs)\n"
        "marketing_spend = 100 + 15·seasonality + 10·competitor_action + Normal(0, 10²)   [k$]\n"
        "revenue = 300 + 2.0·marketing_spend + 50·seasonality − 20·competitor_action + Normal(0, 30²)  [k$]"
    ),
    make=_make_marketing, truth={"ATE": 2.0}, adjustment_set=("competitor_action", "seasonality"),
))

register(Spec(
    info=ExampleInfo(
        name="marketing_binary", title="Campaign on/off → revenue", story=(
            "The same retailer, but now the question is whether running a campaign week pays. "
            "Campaigns are launched in high season and when a competitor moves, so campaign weeks "
            "would have had higher revenue even without the campaign."),
        teaching_point=("With a binary treatment the naive difference in means is about twice the "
                        "true effect; matching, weighting or regression on the confounders fix it."),
        treatment="campaign", outcome="revenue", true_effect=30.0,
        effect_label="ATE: running the campaign causes +30 k$ of revenue (the same for every week)",
        reference_effect=30.0, n_rows=2000, tags=("synthetic", "binary treatment", "confounding"),
    ),
    dag=dagitty(_MKT_EDGES.replace("{T}", "campaign"), {"campaign": "exposure", "revenue": "outcome"},
                {**{k: v for k, v in _MKT_POS.items() if k != "marketing_spend"}, "campaign": (0, 2)}),
    equations=(
        "seasonality ~ Normal(0, 1)\n"
        "competitor_action ~ Bernoulli(0.3)\n"
        "campaign ~ Bernoulli(sigmoid(−0.5 + 1.0·seasonality + 1.0·competitor_action))\n"
        "revenue = 300 + 30·campaign + 50·seasonality − 20·competitor_action + Normal(0, 30²)  [k$]"
    ),
    make=_make_marketing_binary, truth={"ATE": 30.0, "ATT": 30.0, "ATC": 30.0},
    adjustment_set=("competitor_action", "seasonality"),
))


# ------------------------------------------------------------------------------------- hospital
_AGES = np.arange(40, 91)
_CALL_EFFECT = -0.06


def _p_transport(age: np.ndarray) -> np.ndarray:
    return _sigmoid(2.0 - 0.08 * (age - 40))


def _p_call(age: np.ndarray, transport: np.ndarray) -> np.ndarray:
    return _sigmoid(-2.5 + 0.05 * (age - 40) + 1.5 * (1 - transport))


def _make_hospital(n: int | None, rng: np.random.Generator) -> pd.DataFrame:
    assert n is not None
    age = rng.integers(40, 91, n)
    transport = rng.binomial(1, _p_transport(age))
    call = rng.binomial(1, _p_call(age, transport))
    frailty = rng.uniform(0.0, 1.0, n)
    # a continuous outcome, so a unit's own noise (its frailty) can be recovered from one
    # observation: rung 3 (each patient's counterfactual) needs it; a 0/1 outcome hides it
    risk = (0.10 + 0.004 * (age - 40) + 0.15 * (1 - transport) + _CALL_EFFECT * call * transport
            + 0.08 * (frailty - 0.5))  # in [0, 0.49]: no clipping, so the truth is exact
    return pd.DataFrame({"age": age, "has_transport": transport, "followup_call": call,
                         "readmission_risk": risk.round(4)})


def _hospital_truth() -> dict[str, float]:
    pt = _p_transport(_AGES)  # age is uniform on 40..90, so population means are plain means
    called_with = pt * _p_call(_AGES, np.ones_like(_AGES))
    called_without = (1 - pt) * _p_call(_AGES, np.zeros_like(_AGES))
    share_called_with_transport = called_with.sum() / (called_with + called_without).sum()
    return {"ATE": _CALL_EFFECT * float(pt.mean()),
            "ATT": _CALL_EFFECT * float(share_called_with_transport),
            "effect | has_transport=1": _CALL_EFFECT, "effect | has_transport=0": 0.0}


_HOSP_TRUTH = _hospital_truth()
register(Spec(
    info=ExampleInfo(
        name="hospital", title="Follow-up calls → readmission risk", story=(
            "A hospital phones some patients after discharge and scores each patient's 30-day "
            "readmission risk. Nurses call the older patients and those without transport, who are "
            "the most likely to come back anyway. In the raw data called patients have a higher "
            "risk, yet the call helps patients who can get to their follow-up appointment, and "
            "cannot fix a missing ride."),
        teaching_point=("The three rungs: association says calls go with a HIGHER readmission risk; "
                        "the intervention lowers the risk a little on average (only for patients "
                        "with transport); and counterfactually a patient without transport would "
                        "have had the same risk without the call. Estimators differ here: a "
                        "regression without an interaction weights the two groups' effects by "
                        "their treatment variance (about −0.023), while IPW and AIPW estimate "
                        "the average effect itself (about −0.03)."),
        treatment="followup_call", outcome="readmission_risk", true_effect=round(_HOSP_TRUTH["ATE"], 6),
        effect_label=("ATE on the readmission risk: −0.06 for patients with transport, 0 "
                      "without; on average −0.03 (3 percentage points lower risk)"),
        reference_effect=round(_HOSP_TRUTH["ATE"], 6), n_rows=20_000,
        tags=("synthetic", "binary treatment", "heterogeneous effect", "confounding"),
        estimator="ipw",  # targets the average effect itself, as the lesson does (see above)
    ),
    dag=dagitty(
        "age -> has_transport ; age -> followup_call ; age -> readmission_risk\n"
        "has_transport -> followup_call ; has_transport -> readmission_risk\n"
        "followup_call -> readmission_risk",
        {"followup_call": "exposure", "readmission_risk": "outcome"},
        {"age": (2, 0), "has_transport": (2, 1), "followup_call": (0, 2), "readmission_risk": (4, 2)}),
    equations=(
        "age ~ uniform whole years 40..90\n"
        "has_transport ~ Bernoulli(sigmoid(2 − 0.08·(age − 40)))     (half the patients overall)\n"
        "followup_call ~ Bernoulli(sigmoid(−2.5 + 0.05·(age − 40) + 1.5·(1 − has_transport)))\n"
        "frailty ~ Uniform(0, 1)                                       (the patient's own, unmeasured)\n"
        "readmission_risk = 0.10 + 0.004·(age − 40) + 0.15·(1 − has_transport)\n"
        "                   − 0.06·followup_call·has_transport + 0.08·(frailty − 0.5)   (in 0..0.49)\n"
        "Counterfactual: with the same frailty, a patient without transport has the same risk with or "
        "without the call; one with transport would have had a risk 0.06 higher without it."
    ),
    make=_make_hospital, truth=_HOSP_TRUTH, adjustment_set=("age", "has_transport"),
))


# -------------------------------------------------------------------------------- collider trap
def _make_collider(n: int | None, rng: np.random.Generator) -> pd.DataFrame:
    assert n is not None
    experience = rng.gamma(6.25, 0.8, n)
    training = 10 + 1.0 * experience + rng.normal(0, 3, n)
    productivity = 50 + 0.5 * training + 2.0 * experience + rng.normal(0, 4, n)
    bonus = 0.3 * training + 0.5 * productivity + rng.normal(0, 2, n)
    return pd.DataFrame({"experience": experience.round(2), "training_hours": training.round(2),
                         "productivity": productivity.round(2), "bonus": bonus.round(2)})


register(Spec(
    info=ExampleInfo(
        name="collider_trap", title="Training → productivity (don't adjust for the bonus)", story=(
            "A company asks whether training hours make employees more productive. Experienced "
            "staff train more and are more productive. The annual bonus is decided afterwards "
            "from both training and productivity, so it is a result, not a cause."),
        teaching_point=("Adjusting for more is not always safer: controlling for the bonus (a "
                        "collider caused by treatment and outcome) biases the estimate; adjust "
                        "for experience only."),
        treatment="training_hours", outcome="productivity", true_effect=0.5,
        effect_label="ATE: +1 training hour causes +0.5 productivity points",
        reference_effect=0.5, n_rows=3000, tags=("synthetic", "continuous treatment", "collider"),
    ),
    dag=dagitty(
        "experience -> training_hours ; experience -> productivity\n"
        "training_hours -> productivity ; training_hours -> bonus ; productivity -> bonus",
        {"training_hours": "exposure", "productivity": "outcome"},
        {"experience": (2, 0), "training_hours": (0, 1), "productivity": (4, 1), "bonus": (2, 2)}),
    equations=(
        "experience ~ Gamma(shape 6.25, scale 0.8)       (years; mean 5, sd 2)\n"
        "training_hours = 10 + 1.0·experience + Normal(0, 3²)\n"
        "productivity = 50 + 0.5·training_hours + 2.0·experience + Normal(0, 4²)\n"
        "bonus = 0.3·training_hours + 0.5·productivity + Normal(0, 2²)"
    ),
    make=_make_collider, truth={"ATE": 0.5}, adjustment_set=("experience",),
))


# ----------------------------------------------------------------------------------- instrument
def _make_instrument(n: int | None, rng: np.random.Generator) -> pd.DataFrame:
    assert n is not None
    reminder = rng.binomial(1, 0.5, n)
    motivation = rng.normal(0, 1, n)  # latent: never returned
    usage = 40 + 20 * reminder + 8 * motivation + rng.normal(0, 5, n)
    spending = 100 + 3.0 * usage + 40 * motivation + rng.normal(0, 20, n)
    return pd.DataFrame({"reminder": reminder, "app_usage": usage.round(2),
                         "spending": spending.round(2)})


register(Spec(
    info=ExampleInfo(
        name="instrument", title="App usage → spending (a randomised reminder)", story=(
            "A shop wants to know whether customers who use its app more also spend more because "
            "of the app. Motivated customers both use the app and spend more, and motivation is "
            "not measured. A randomly sent reminder nudges app use without touching spending "
            "directly."),
        teaching_point=("When the confounder is unobserved no adjustment set works; an instrument "
                        "(the random reminder) still identifies the effect."),
        treatment="app_usage", outcome="spending", true_effect=3.0,
        effect_label="ATE: +1 minute of weekly app use causes +3.0 $ of monthly spending",
        reference_effect=3.0, n_rows=10_000,
        tags=("synthetic", "continuous treatment", "instrument", "latent confounder"),
    ),
    dag=dagitty(
        "reminder -> app_usage ; motivation -> app_usage ; motivation -> spending\n"
        "app_usage -> spending",
        {"app_usage": "exposure", "spending": "outcome", "motivation": "latent"},
        {"reminder": (0, 1), "app_usage": (2, 1), "spending": (4, 1), "motivation": (3, 0)}),
    equations=(
        "reminder ~ Bernoulli(0.5)                      (randomised push notification)\n"
        "motivation ~ Normal(0, 1)                      (latent: not in the data)\n"
        "app_usage = 40 + 20·reminder + 8·motivation + Normal(0, 5²)     [minutes/week]\n"
        "spending = 100 + 3.0·app_usage + 40·motivation + Normal(0, 20²)  [$/month]"
    ),
    make=_make_instrument, truth={"ATE": 3.0}, adjustment_set=None,
))


# ------------------------------------------------------------------------------------ frontdoor
def _make_frontdoor(n: int | None, rng: np.random.Generator) -> pd.DataFrame:
    assert n is not None
    genotype = rng.normal(0, 1, n)  # latent: never returned
    smoking = 20 + 4 * genotype + rng.normal(0, 3, n)
    tar = 0.5 * smoking + rng.normal(0, 2, n)
    damage = 2.0 * tar + 5 * genotype + rng.normal(0, 2, n)
    return pd.DataFrame({"smoking": smoking.round(2), "tar": tar.round(3),
                         "lung_damage": damage.round(2)})


register(Spec(
    info=ExampleInfo(
        name="frontdoor", title="Smoking → tar → lung damage (the front door)", story=(
            "Does smoking damage the lungs, or does an unmeasured gene make people both smoke and "
            "get sick? The gene cannot be measured, but smoking acts only through the tar it "
            "deposits, and tar is measured."),
        teaching_point=("With an unobserved confounder and a fully mediating, unconfounded "
                        "mediator, the front-door formula identifies the effect."),
        treatment="smoking", outcome="lung_damage", true_effect=1.0,
        effect_label="ATE: +1 cigarette a day causes +1.0 lung-damage points (0.5 tar × 2.0)",
        reference_effect=1.0, n_rows=10_000,
        tags=("synthetic", "continuous treatment", "front-door", "latent confounder"),
    ),
    dag=dagitty(
        "genotype -> smoking ; genotype -> lung_damage ; smoking -> tar ; tar -> lung_damage",
        {"smoking": "exposure", "lung_damage": "outcome", "genotype": "latent"},
        {"genotype": (2, 0), "smoking": (0, 1), "tar": (2, 1), "lung_damage": (4, 1)}),
    equations=(
        "genotype ~ Normal(0, 1)                         (latent: not in the data)\n"
        "smoking = 20 + 4·genotype + Normal(0, 3²)       [cigarettes/day]\n"
        "tar = 0.5·smoking + Normal(0, 2²)               [mg]\n"
        "lung_damage = 2.0·tar + 5·genotype + Normal(0, 2²)"
    ),
    make=_make_frontdoor, truth={"ATE": 1.0}, adjustment_set=None,
))
