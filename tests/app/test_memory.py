"""The server's garbage collection (ui/memory.py): no full collection after every rerun, the
imported libraries frozen out of every collection, a periodic collector instead."""

from __future__ import annotations

import gc
import threading
import tomllib
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).parents[2]


def test_the_config_turns_off_streamlits_collection_after_every_script_run():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_the_app_freezes_its_imports_and_starts_one_periodic_collector():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert gc.get_freeze_count() > 100_000  # numpy, pandas, scikit-learn, plotly, Streamlit
    collectors = [t for t in threading.enumerate() if t.name == "ce-gc"]
    assert len(collectors) == 1 and collectors[0].daemon
    at.run()  # a rerun starts no second one
    assert len([t for t in threading.enumerate() if t.name == "ce-gc"]) == 1
