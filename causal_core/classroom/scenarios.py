"""The shipped scenarios exercises are built on: the example data sets, DAGitty's own test
cases and seeded random DAGs. Each is a graph with a treatment and an outcome; the ground truth
of every question asked about it is computed by the engine from the graph (and, for examples,
from the generating equations), never stored as a string.

Examples
--------
>>> from causal_core.classroom.scenarios import get_scenario, list_scenarios
>>> len(list_scenarios()) >= 30
True
>>> s = get_scenario("example:marketing")
>>> s.treatment, s.outcome, s.example
('marketing_spend', 'revenue', 'marketing')
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from ..datasets import list_examples, load_example
from ..exceptions import DataError
from ..graph import CausalGraph

__all__ = ["Scenario", "get_scenario", "list_scenarios", "random_dag"]

#: Seeds of the generated scenarios (fixed, so every student sees the same graphs).
GENERATED_SEEDS: tuple[int, ...] = tuple(range(1, 14))


@dataclass(frozen=True)
class Scenario:
    """A graph and a causal question on it.

    Attributes
    ----------
    id : str
        ``example:<name>``, ``dagitty:<case>`` or ``generated:<seed>``.
    title : str
    graph : CausalGraph
    treatment, outcome : str
    source : str
        Where the graph comes from.
    example : str or None
        The example data set behind it (exercises that need data use it).
    true_effect : float or None
        The effect known by construction (examples with synthetic data).
    """

    id: str
    title: str
    graph: CausalGraph
    treatment: str
    outcome: str
    source: str
    example: str | None = None
    true_effect: float | None = None


def random_dag(seed: int, n_nodes: int = 7, p_edge: float = 0.4) -> CausalGraph:
    """A random DAG with exposure ``X`` that has a causal path to outcome ``Y``.

    Nodes are ``A``, ``B``, ... plus ``X`` and ``Y`` in a random causal order; each forward pair
    is an edge with probability ``p_edge``; ``X -> ... -> Y`` is forced (directly when needed).
    Odd seeds mark one non-adjacent node latent, so some graphs need a front door, an
    instrument, or cannot be identified.

    Examples
    --------
    >>> g = random_dag(3)
    >>> g.exposures, g.outcomes, "Y" in g.descendants(["X"])
    (('X',), ('Y',), True)
    """
    rng = np.random.default_rng(seed)
    others = [chr(ord("A") + i) for i in range(n_nodes - 2)]
    order = [str(v) for v in rng.permutation(others)]
    ix = int(rng.integers(1, 3))  # at least one node before X: room for a confounder
    iy = int(rng.integers(ix + 2, n_nodes))  # at least one node between X and Y
    order.insert(ix, "X")
    order.insert(iy, "Y")
    edges = [(a, b) for i, a in enumerate(order) for b in order[i + 1:] if rng.random() < p_edge]
    first = order[0]  # a confounder by construction
    edges += [(first, "X"), (first, "Y")]
    if "Y" not in CausalGraph(nodes=order, edges=edges).descendants(["X"]):
        edges.append(("X", "Y"))
    graph = CausalGraph(nodes=order, edges=edges)
    roles: dict[str, set[str]] = {"X": {"exposure"}, "Y": {"outcome"}}
    if seed % 2:
        free = [v for v in others if not graph.parents(v) and len(graph.children(v)) >= 2]
        if free:
            roles[str(rng.choice(sorted(free)))] = {"latent"}
    layers = {v: i for i, v in enumerate(order)}
    pos = {v: (float(layers[v]), float((layers[v] * 37) % 3)) for v in order}
    return CausalGraph(nodes=order, edges=edges, roles=roles, positions=pos)


@lru_cache(maxsize=1)
def _all() -> dict[str, Scenario]:
    out: dict[str, Scenario] = {}
    for info in list_examples():
        ex = load_example(info.name, n=50 if info.n_rows > 50 else None)
        out[f"example:{info.name}"] = Scenario(
            id=f"example:{info.name}", title=info.title, graph=ex.graph, treatment=info.treatment,
            outcome=info.outcome, source=f"the example data set '{info.name}'",
            example=info.name, true_effect=info.true_effect)
    text = resources.files(__package__).joinpath("data/dagitty_cases.json").read_text("utf-8")
    for case in json.loads(text):
        sid = f"dagitty:{case['name']}"
        out[sid] = Scenario(
            id=sid, title=case["name"].replace("_", " "), graph=CausalGraph.parse(case["dag"]),
            treatment=case["exposure"], outcome=case["outcome"], source=case["source"])
    for seed in GENERATED_SEEDS:
        sid = f"generated:{seed}"
        out[sid] = Scenario(id=sid, title=f"Random graph #{seed}", graph=random_dag(seed),
                            treatment="X", outcome="Y", source=f"random_dag(seed={seed})")
    return out


def list_scenarios() -> list[Scenario]:
    """Every shipped scenario: examples, then DAGitty cases, then generated graphs."""
    return list(_all().values())


def get_scenario(scenario_id: str) -> Scenario:
    """One scenario by id.

    Raises
    ------
    DataError
        Unknown id (a few valid ids are named).
    """
    scenarios = _all()
    if not isinstance(scenario_id, str) or scenario_id not in scenarios:
        raise DataError(f"There is no scenario {str(scenario_id)[:60]!r}. Valid ids look like "
                        f"{', '.join(list(scenarios)[:3])}; see list_scenarios().")
    return scenarios[scenario_id]
