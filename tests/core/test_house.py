"""House rules that a test can check."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import causal_core as cc

ROOT = Path(__file__).parents[2]


def test_causal_core_never_imports_streamlit():
    for path in (ROOT / "causal_core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
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
