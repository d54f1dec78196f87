"""The exported script: run in a subprocess on the same file, it prints the very same numbers."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import causal_core as cc
from causal_core.analysis import Analysis, run_analysis
from causal_core.datasets import load_example
from causal_core.report import to_script

ROOT = Path(__file__).parents[2]
HOSTILE = '"); import os; os.system("echo pwned") #'
TOUCH = "x'''\"\"\"); open('PWNED', 'w').write('1') #"


def _run(script: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, str(script), *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def _estimate(stdout: str) -> float:
    m = re.search(r"^estimate = (\S+)$", stdout, re.M)
    assert m, stdout
    return float(m.group(1))


def _verdicts(stdout: str) -> list[str]:
    return re.findall(r"^.+ \[(?:falsification|stability|sensitivity)\]: .+$", stdout, re.M)


def _app_analysis(tmp_path: Path, frame, name: str, graph: cc.CausalGraph, **kw) -> Analysis:
    """As the app: the table is what cc.load_table read from the file."""
    path = tmp_path / name
    path.write_bytes(frame.to_csv(index=False).encode("utf-8"))
    data, _ = cc.load_table(path.read_bytes(), name)
    return run_analysis(data, name, graph, **kw)


def test_script_reproduces_the_estimate_exactly(tmp_path):
    ex = load_example("marketing")
    a = _app_analysis(tmp_path, ex.data, "marketing.csv", ex.graph, n_simulations=50,
                      example="marketing")
    script = tmp_path / "analysis.py"
    script.write_text(to_script(a, "marketing.csv"), encoding="utf-8")
    out = _run(script, cwd=tmp_path)
    assert _estimate(out.stdout) == a.primary_estimate().value
    assert "(the same)" in out.stdout
    assert "differ" not in out.stderr
    verdicts = _verdicts(out.stdout)
    assert len(verdicts) == len(a.refutations) == 7
    expected = [f"{r.label} [{r.kind}]: {r.verdict or 'sensitivity, not a test'}"
                for r in a.refutation_objects().values()]
    assert verdicts == expected
    # the script states the same conclusion as the report, by the same rule
    headline, sentences = cc.report.conclusion(a)
    assert f"Conclusion: {headline}" in out.stdout
    assert sentences[0] in out.stdout


def test_script_writes_every_choice_and_seed(tmp_path):
    ex = load_example("marketing_binary")
    a = _app_analysis(tmp_path, ex.data, "binary.csv", ex.graph, estimator="propensity_matching",
                      params={"ci": "bootstrap", "n_bootstrap": 40}, refuters=["data_subset"],
                      n_simulations=10, random_state=7,
                      adjustment_set=["competitor_action", "seasonality"])
    text = to_script(a, "binary.csv")
    for line in ["METHOD = 'propensity_matching'", "RANDOM_STATE = 7", "TARGET = 'ate'",
                 "ADJUSTMENT_SET = ['competitor_action', 'seasonality']",
                 "('data_subset', 10, {'fraction': 0.8, 'tolerance_se': 1.0}),"]:
        assert line in text, line
    assert "'ci': 'bootstrap'" in text and "'n_bootstrap': 40" in text
    script = tmp_path / "analysis.py"
    script.write_text(text, encoding="utf-8")
    out = _run(script, cwd=tmp_path)
    assert _estimate(out.stdout) == a.primary_estimate().value  # the bootstrap is seeded too


def test_script_takes_the_data_path_as_argument_and_warns_on_other_data(tmp_path):
    ex = load_example("marketing")
    a = _app_analysis(tmp_path, ex.data, "marketing.csv", ex.graph, refuters=[], compare=())
    script = tmp_path / "analysis.py"
    script.write_text(to_script(a, "missing.csv"), encoding="utf-8")
    other = tmp_path / "half.csv"
    other.write_bytes(ex.data.head(1000).to_csv(index=False).encode())
    out = _run(script, str(other), cwd=tmp_path)
    assert "differ from the table" in out.stderr
    assert _estimate(out.stdout) != a.primary_estimate().value


def test_example_script_falls_back_to_the_shipped_example(tmp_path):
    ex = load_example("marketing")
    a = run_analysis(ex.data, ex.info.title, ex.graph, refuters=[], compare=(),
                     example="marketing")
    script = tmp_path / "analysis.py"
    script.write_text(to_script(a, "not-here.csv"), encoding="utf-8")
    out = _run(script, cwd=tmp_path)
    assert "using the shipped example 'marketing'" in out.stderr
    assert _estimate(out.stdout) == a.primary_estimate().value


@pytest.mark.parametrize("treatment_name", [HOSTILE, TOUCH])
def test_hostile_names_stay_string_literals(tmp_path, treatment_name):
    ex = load_example("marketing")
    names = {"marketing_spend": treatment_name, "seasonality": "<img src=x onerror=alert(1)>",
             "competitor_action": "a\\b'c\"d", "revenue": "{revenue}"}
    frame = ex.data.rename(columns=names)
    g = cc.CausalGraph(edges=[(names[a], names[b]) for a, b in ex.graph.edges]).with_roles(
        exposure=treatment_name, outcome="{revenue}")
    file_name = 'data "quoted" \'file\'.csv'
    a = _app_analysis(tmp_path, frame, file_name, g, refuters=["placebo_treatment"],
                      n_simulations=10)
    text = to_script(a, file_name)
    tree = ast.parse(text)  # valid Python
    calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
    called = {getattr(f, "attr", getattr(f, "id", "")) for f in calls}
    assert "system" not in called and "open" not in called
    assert not any(isinstance(n, ast.Import) and any(a.name == "os" for a in n.names)
                   for n in ast.walk(tree))
    script = tmp_path / "analysis.py"
    script.write_text(text, encoding="utf-8")
    out = _run(script, cwd=tmp_path)
    assert "pwned" not in out.stdout.splitlines()  # echo would print it on its own line
    assert not (tmp_path / "PWNED").exists()
    assert _estimate(out.stdout) == a.primary_estimate().value


def test_hostile_engine_version_cannot_break_the_docstring(tmp_path):
    ex = load_example("marketing")
    a = run_analysis(ex.data, "m.csv", ex.graph, refuters=[], compare=())
    d = a.to_dict()
    d["engine_version"] = '1"""\nimport os\nos.system("echo pwned")\n"""'
    text = to_script(Analysis.from_dict(d), "m.csv")
    tree = ast.parse(text)
    assert not any(isinstance(n, ast.Import) and any(x.name == "os" for x in n.names)
                   for n in ast.walk(tree))
