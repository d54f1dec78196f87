"""causal_core is a library people install: the built wheel, in a fresh virtual environment outside
the checkout, runs the exported script and reproduces the app's estimate to the last digit.

The venv gets causal_core only from the wheel (``pip install --no-deps``); its third-party
dependencies (numpy, pandas, ...) come from this test's own environment through a ``.pth`` file,
so the test needs no network. (Measured separately: a venv with every dependency from the
registry, see the issue's closing note.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from causal_core.analysis import assemble
from causal_core.report import to_script
from tests.app import view
from ui import session

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("dist")
    shutil.copytree(ROOT / "causal_core", src / "causal_core",  # built from a copy: no litter here
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(src)], check=True, capture_output=True, cwd=out)
    return next(out.glob("*.whl"))


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    env = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    py = env / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env


def test_the_wheel_holds_the_engine_and_its_example_data_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "causal_core/__init__.py" in names and "causal_core/plan.py" in names
    assert "causal_core/datasets/data/lalonde_nsw_cps.csv.gz" in names
    assert not [n for n in names if n.startswith(("ui/", "app_pages/", "tests/"))]


def test_an_exported_script_reproduces_the_apps_estimate_in_a_fresh_venv(venv, tmp_path):
    # 85 s alone; one run of its steps passed 180 s with the machine's load at 10
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=420)
    at.run()
    at.selectbox[0].set_value("lalonde_cps").run()
    next(b for b in at.button if b.label == "Load this example").click().run()
    view.confirm(at)
    at.switch_page("app_pages/estimate.py")
    at.run()
    at.selectbox(key=session.ESTIMATOR).set_value("propensity_matching").run()
    at.selectbox(key=session.TARGET).set_value("att").run()
    assert not at.exception, [e.value for e in at.exception]
    plan = view.plan(at)
    shown = view.estimates(at)[plan.estimator]
    assert (plan.estimator, plan.target) == ("propensity_matching", "att")
    analysis = assemble(plan, estimates={plan.estimator: shown})
    (tmp_path / "analysis.py").write_text(to_script(analysis, "lalonde.csv"))
    view.data(at).frame.to_csv(tmp_path / "lalonde.csv", index=False)
    # a bare PATH, and this process's BLAS settings (OPENBLAS_CORETYPE picks the kernels: with
    # others a sum's last digits may differ, and the script prints the estimate to the last digit)
    blas = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS_", "OMP_", "MKL_"))}
    out = subprocess.run([str(venv / "bin" / "python"), "analysis.py"], cwd=tmp_path, text=True,
                         capture_output=True, env={"PATH": "/usr/bin:/bin", **blas}, timeout=300)
    assert out.returncode == 0, out.stderr
    assert f"estimate = {shown.value!r}" in out.stdout and "(the same)" in out.stdout
    code = "import causal_core; print(causal_core.__file__)"
    where = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=tmp_path, text=True,
                           capture_output=True, check=True).stdout
    assert where.startswith(str(venv)), where  # the wheel's copy, not the checkout's


def test_version_of_the_package_is_the_engines():
    import causal_core

    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^version = "([^"]+)"', text, re.M).group(1) == causal_core.__version__
