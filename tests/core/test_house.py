"""House rules that a test can check."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import causal_core as cc

ROOT = Path(__file__).parents[2]


def _imported(node: ast.AST) -> list[str]:
    """The module names an import statement names (none for any other node)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return []


def test_causal_core_never_imports_streamlit():
    for path in (ROOT / "causal_core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = _imported(node)
            assert not any(n.split(".")[0] == "streamlit" for n in names), path


def test_importing_the_engine_does_not_load_streamlit():
    code = "import sys, causal_core; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_public_api_names_exist():
    for name in ["CausalGraph", "identify", "implied_independencies", "test_implications",
                 "is_adjustment_set", "d_separated", "list_paths", "GraphError",
                 "IdentificationError", "DataError", "EstimationError", "CausalCoreError"]:
        assert hasattr(cc, name), name
    assert cc.__version__


def _strings(tree: ast.AST):
    """Every string literal of a module, f-strings' literal parts included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node


def _app_files():
    yield ROOT / "app.py"
    for folder in ("ui", "app_pages"):
        yield from (ROOT / folder).rglob("*.py")


def test_one_module_owns_every_session_key():
    """No page or ui module spells a "ce.*" session key: they come from ui/session.py."""
    found = []
    for path in _app_files():
        if path.name == "session.py" and path.parent.name == "ui":
            continue
        for node in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            if node.value.startswith("ce."):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert not found, found


#: Calls that compute statistics; ui/ and the pages leave them to causal_core.
STATISTICS = {"mean", "median", "std", "var", "quantile", "percentile", "groupby", "polyfit",
              "corr", "cov", "qcut", "cut", "ptp", "lstsq", "fit", "predict", "value_counts",
              "interp", "linspace", "rolling", "cumsum", "nunique"}


def test_ui_holds_no_statistics():
    """ui/ and app_pages/ import no numerical library and call no statistical method: every
    number a page shows comes from causal_core (so a notebook and the script get it too)."""
    found = []
    for path in _app_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = _imported(node)
            bad = [n for n in names if n.split(".")[0] in {"numpy", "scipy", "sklearn", "statsmodels"}]
            if bad:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {bad[0]}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in STATISTICS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} calls .{node.func.attr}()")
    assert not found, found


def test_engine_error_messages_name_no_page():
    """causal_core works in a notebook: its messages never send anyone to "the Data page"."""
    import re

    page = re.compile(r"\b(Data|Model|Identify|Estimate|Refute|What[- ]if|Report) page\b")
    found = []
    for path in (ROOT / "causal_core").rglob("*.py"):
        for node in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            if page.search(node.value) and not node.value.lstrip().startswith(("\"", "'")) \
                    and "\n" not in node.value.strip():
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value[:60]!r}")
    assert not found, found
