"""Shared helpers of the estimation tests: reference cases and a synthetic data generator."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from causal_core.graph import CausalGraph
from causal_core.identify import Identification, identify

REF = Path(__file__).resolve().parents[1] / "data" / "reference"


def load_case(name: str) -> tuple[pd.DataFrame, dict, Identification]:
    """``(data, case.json, identify(graph, treatment, outcome))`` of a shipped reference case."""
    case = json.loads((REF / name / "case.json").read_text())
    data = pd.read_csv(REF / name / "data.csv")
    graph = CausalGraph(edges=[tuple(e) for e in case["edges"]])
    return data, case, identify(graph, case["treatment"], case["outcome"])


def dowhy_reference() -> dict:
    """DoWhy 0.14's stored numbers on the reference cases."""
    return json.loads((REF / "dowhy_reference.json").read_text())["cases"]


SYNTH_EDGES = [
    ("Z", "T"), ("W1", "T"), ("W1", "Y"), ("R", "T"), ("R", "Y"),
    ("T", "M"), ("M", "Y"),
]
SYNTH_EFFECT = 3.0


def synthetic(n: int = 4000, seed: int = 11, continuous: bool = False) -> pd.DataFrame:
    """Binary (or continuous) T, binary instrument Z, confounders W1 and categorical R,
    mediator M (front-door). The total effect of T on Y is 3.0 (= 2.0 * 1.5)."""
    rng = np.random.default_rng(seed)
    w1 = rng.normal(size=n)
    region = rng.choice(np.array(["north", "south", "east"]), size=n)
    r_eff = pd.Series(region).map({"north": 0.0, "south": 0.6, "east": -0.6}).to_numpy()
    z = rng.integers(0, 2, size=n)
    lin = 1.2 * z + 0.7 * w1 + r_eff - 0.6
    if continuous:
        t = lin + rng.normal(size=n)
    else:
        t = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(int)
    m = 2.0 * t + rng.normal(size=n)
    y = 1.5 * m + 1.0 * w1 + 1.5 * r_eff + rng.normal(size=n)
    return pd.DataFrame({"Z": z, "W1": w1, "R": region, "T": t, "M": m, "Y": y})


def synthetic_ident() -> Identification:
    """The identification of T -> Y in the synthetic graph."""
    return identify(CausalGraph(edges=SYNTH_EDGES), "T", "Y")
