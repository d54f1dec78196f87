"""Run an exported analysis script the way a user would: a fresh Python process in a folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_script(text: str, folder: Path) -> subprocess.CompletedProcess:
    """Write ``text`` as ``analysis.py`` in ``folder`` and run it there (this checkout on the
    path); returns the finished process, output captured."""
    script = folder / "analysis.py"
    script.write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    return subprocess.run([sys.executable, str(script)], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)
