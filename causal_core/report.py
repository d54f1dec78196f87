"""Render an :class:`~causal_core.analysis.Analysis`: an HTML report and a runnable script.

``to_html(analysis)`` gives one self-contained HTML file that opens offline: plotly's
JavaScript embedded once, the figures inline, the causal graph as an SVG drawn by our code,
no ``src`` or ``href`` that a browser would fetch. Every user-written name is escaped.

``to_script(analysis, data_filename)`` gives a Python script that reproduces the analysis with
``causal_core`` on the same data file: same model, choices and seeds, hence the same numbers.
Names reach the script only as Python string literals written by ``repr``, never as code.

Examples
--------
>>> from causal_core.analysis import run_analysis
>>> from causal_core.datasets import load_example
>>> from causal_core.report import conclusion, to_script
>>> ex = load_example("marketing")
>>> a = run_analysis(ex.data, "marketing.csv", ex.graph, refuters=["placebo_treatment"],
...                  n_simulations=20)
>>> conclusion(a)[0]
'Supported, if the graph is right'
>>> compile(to_script(a, "marketing.csv"), "analysis.py", "exec") is not None
True
"""

from __future__ import annotations

import ast
import math
from itertools import combinations
from typing import Any

from .analysis import Analysis, AnalysisError
from .graph import CausalGraph

__all__ = ["to_html", "to_script", "conclusion", "missing_arrows", "estimate_sentence"]

#: At most this many missing arrows are listed one by one; the rest are counted.
MAX_ASSUMPTIONS = 40


def to_html(analysis: Analysis) -> str:
    """The analysis as one self-contained, offline HTML document (see :mod:`.report_html`)."""
    from .report_html import render

    return render(analysis)


# ---------------------------------------------------------------------- words
def _f(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    return f"{x:,.4g}" if isinstance(x, float) else f"{x:,}"


def estimate_sentence(est: dict[str, Any]) -> str:
    """One plain sentence reading an estimate's ``to_dict()``."""
    value, lo, hi = est["value"], est["ci_low"], est["ci_high"]
    if est.get("treatment_type") == "continuous":
        change = f"Raising {est['treatment']} by one unit"
    else:
        t0, t1 = (est.get("contrast") or [0, 1])[:2]
        change = f"Setting {est['treatment']} to {t1} instead of {t0}"
    who = {"ate": "on average", "att": "for those who were treated",
           "atc": "for those who were not treated"}.get(est.get("target", ""), "")
    level = f"{100 * (1 - (est.get('alpha') or 0.05)):.10g}%"
    direction = "raises" if (value or 0) > 0 else "lowers"
    return (f"{change} {direction} {est['outcome']} by about {_f(abs(value or 0.0))} {who} "
            f"({level} confidence interval {_f(lo)} to {_f(hi)}), if the graph is right.")


def _includes_zero(est: dict[str, Any]) -> bool:
    lo, hi = est.get("ci_low"), est.get("ci_high")
    return lo is None or hi is None or lo <= 0 <= hi


def conclusion(analysis: Analysis) -> tuple[str, list[str]]:
    """(headline, sentences): a plain-language verdict whose strength follows the checks.

    A failed refutation is stated first; then the estimate; then what it survived, how
    sensitive it is to a hidden confounder, and that the graph's assumptions carry it.
    """
    est = analysis.estimates[analysis.estimator]
    refs = analysis.refutations
    failed = [r for r in refs.values() if not r.get("passed")]
    sens = analysis.sensitivity
    out: list[str] = []
    if failed:
        names = "; ".join(f"{r['label']} (p = {_f(r.get('p_value'))})" for r in failed)
        out.append(f"Warning: {len(failed)} of {len(refs)} refutation test"
                   f"{'s' if len(refs) != 1 else ''} failed: {names}. Until this is explained, "
                   "do not read the estimate below as a causal effect.")
    out.append(estimate_sentence(est))
    if _includes_zero(est):
        out.append("The interval includes zero: the data are also consistent with no effect.")
    if refs and not failed:
        out.append(f"The estimate survived all {len(refs)} refutation tests that were run.")
    elif not refs:
        out.append("No refutation test was run, so the estimate has not been challenged.")
    if sens is not None:
        rv = sens.get("rv_q")
        if sens.get("fragile"):
            out.append(f"It is fragile: a hidden confounder about as strong as an observed "
                       f"covariate would make it lose significance (robustness value "
                       f"{_f(rv)}).")
        else:
            out.append(f"A hidden confounder would have to explain {100 * (rv or 0):.1f}% of the "
                       "residual variance of both treatment and outcome to remove it "
                       f"(robustness value {_f(rv)}).")
    n_missing = len(missing_arrows(analysis.analysis_graph()))
    n_arrows = len(analysis.causal_graph().edges)
    out.append(f"All of this rests on the causal graph: its {n_arrows} arrow"
               f"{'' if n_arrows == 1 else 's'} and the {n_missing} missing arrow"
               f"{'' if n_missing == 1 else 's'} listed under Assumptions are assumptions, "
               "not findings.")
    if failed:
        headline = "Not supported as it stands"
    elif _includes_zero(est):
        headline = "Weak: consistent with no effect"
    elif not refs or (sens is not None and sens.get("fragile")):
        headline = "Tentative"
    else:
        headline = "Supported, if the graph is right"
    return headline, out


def missing_arrows(g: CausalGraph) -> list[tuple[str, str]]:
    """Pairs of observed nodes joined by no edge: each is a claim of the graph.

    Examples
    --------
    >>> missing_arrows(CausalGraph.parse("a -> b\\nb -> c"))
    [('a', 'c')]
    """
    observed = [n for n in g.nodes if g.is_observed(n)]
    return [(a, b) for a, b in combinations(observed, 2) if not g.adjacent(a, b)]


# ---------------------------------------------------------------------- script
def _literal(value: Any, what: str) -> str:
    """``repr(value)`` after checking it is a plain Python literal (never code)."""
    text = repr(value)
    try:
        if ast.literal_eval(text) != value:
            raise ValueError
    except (ValueError, SyntaxError):
        raise AnalysisError(f"The {what} {text[:60]} cannot be written into a script as a plain "
                            "value; reproduce it in Python by hand.") from None
    return text


_SCRIPT = '''"""Reproduce a Causal Explorer analysis with causal_core.

Generated by causal_core {version}. Run it with the data file the analysis used:

    python {script_name} [path/to/data-file]

It loads the data and checks they are the table the analysis ran on, identifies the effect
from the causal model below, estimates it with the same method, parameters and seed, and
re-runs the refutation tests with their seeds. The same data give the same numbers.
"""

import sys
from pathlib import Path

import causal_core as cc

DATA_FILE = Path(sys.argv[1] if len(sys.argv) > 1 else {data_file})
DATA_FINGERPRINT = {fingerprint}
EXAMPLE = {example}  # a shipped example's name: used when DATA_FILE is missing

# The causal model in DAGitty syntax; every name is a quoted string, never code.
MODEL = "\\n".join([
{model}
])
TREATMENT = {treatment}
OUTCOME = {outcome}
ADJUSTMENT_SET = {adjustment}  # None: the estimand's own set; the analysis used {used}
METHOD = {method}
TARGET = {target}
PARAMS = {params}
RANDOM_STATE = {seed}
REFUTATIONS = [  # (refuter, simulations, parameters), each seeded with RANDOM_STATE
{refutations}
]
SAVED_ESTIMATE = {saved}


def load_data():
    """The table, read the way the app reads it."""
    if DATA_FILE.exists():
        data, _ = cc.load_table(DATA_FILE.read_bytes(), DATA_FILE.name)
    elif EXAMPLE is not None:
        from causal_core.datasets import load_example

        print(f"{{DATA_FILE}} not found: using the shipped example {{EXAMPLE!r}}.", file=sys.stderr)
        data = load_example(EXAMPLE).data
    else:
        sys.exit(f"Data file {{DATA_FILE}} not found. Pass its path: python {{sys.argv[0]}} DATA_FILE")
    if cc.fingerprint(data) != DATA_FINGERPRINT:
        print("Note: these data differ from the table the analysis ran on; the numbers will "
              "differ too.", file=sys.stderr)
    return data


def main():
    data = load_data()
    graph = cc.CausalGraph.parse(MODEL)
    frame = data[[c for c in data.columns if c in graph and graph.is_observed(c)]]
    identification = cc.identify(graph, TREATMENT, OUTCOME)
    print("Estimand:", identification.estimand.description)
    estimate = cc.estimate(frame, identification, method=METHOD, target=TARGET,
                           adjustment_set=ADJUSTMENT_SET, random_state=RANDOM_STATE, **PARAMS)
    print("Adjusted for:", list(estimate.estimand.adjustment_set))
    print(estimate.summary().T.to_string())
    print(f"estimate = {{estimate.value!r}}")
    same = "the same" if estimate.value == SAVED_ESTIMATE else "DIFFERENT"
    print(f"saved estimate = {{SAVED_ESTIMATE!r}} ({{same}})")
    for name, n_simulations, params in REFUTATIONS:
        result = cc.refute(frame, identification, estimate, method=name,
                           n_simulations=n_simulations, random_state=RANDOM_STATE, **params)
        verdict = "passed" if result.passed else "FAILED"
        print(f"{{result.label}}: {{verdict}} (p = {{result.p_value:.3g}})")
        print("   ", result.explanation)


if __name__ == "__main__":
    main()
'''


def to_script(analysis: Analysis, data_filename: str, script_name: str = "analysis.py") -> str:
    """A runnable Python script that reproduces ``analysis`` on ``data_filename``.

    Parameters
    ----------
    analysis : Analysis
    data_filename : str
        The data file's path as the script should open it (relative paths are relative to
        the working directory; a command-line argument overrides it).
    script_name : str
        The script's own file name, for its usage line.
    """
    g = analysis.analysis_graph()
    model = "\n".join(f"    {_literal(line, 'model line')}," for line in g.to_dagitty().splitlines())
    runs = analysis.refutation_runs
    refutations = "\n".join(
        f"    ({_literal(name, 'refuter name')}, {int(run['n_simulations'])}, "
        f"{_literal(run.get('params', {}), 'refuter parameters')}),"
        for name, run in runs.items() if name in analysis.refutations)
    choice = None if analysis.adjustment_choice is None else list(analysis.adjustment_choice)
    main = analysis.estimates[analysis.estimator]
    return _SCRIPT.format(
        version="".join(c for c in analysis.engine_version if c.isalnum() or c in ".+-")[:20] or "?",
        script_name="".join(c for c in script_name if c.isalnum() or c in "._-") or "analysis.py",
        data_file=_literal(str(data_filename), "data file name"),
        fingerprint=_literal(analysis.data.fingerprint, "fingerprint"),
        example=_literal(analysis.data.example, "example name"), model=model,
        treatment=_literal(analysis.treatment, "treatment"),
        outcome=_literal(analysis.outcome, "outcome"),
        adjustment=_literal(choice, "adjustment set"),
        used=_literal(list(analysis.adjustment_set), "adjustment set"),
        method=_literal(analysis.estimator, "method"), target=_literal(analysis.target, "target"),
        params=_literal(dict(analysis.params), "estimator parameters"),
        seed=_literal(int(analysis.random_state), "seed"), refutations=refutations,
        saved=_literal(main["value"], "estimate"),
    )
