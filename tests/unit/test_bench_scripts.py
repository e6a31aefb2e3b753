"""The benchmarks stay runnable: each script in bench/ loads in a fresh interpreter — its imports
still resolve after a module moved — without running a measurement (run_name is not __main__)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("bench_*.py")))
def test_the_benchmark_script_loads(script):
    code = f"import runpy; runpy.run_path({str(BENCH / script)!r}, run_name='bench_check')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=BENCH.parent)
    assert result.returncode == 0, result.stderr[-2000:]
