"""The package type-checks: ``python -m mypy roadmap_tracker`` with the configuration in setup.cfg."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_type_errors_in_the_package():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "roadmap_tracker"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, f"mypy reported errors:\n{result.stdout}{result.stderr}"
