"""On a Python older than 3.11 the package says so instead of failing obscurely."""
from __future__ import annotations

import subprocess
import sys


def test_an_older_python_gets_a_clear_message():
    # The check reads sys.version_info; this child process pretends to be 3.10.
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys; sys.version_info = (3, 10, 12, 'final', 0); import helpdesk"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Tiered Helpdesk needs Python 3.11 or newer" in result.stderr
    assert "Traceback" not in result.stderr


def test_python_3_11_is_enough():
    result = subprocess.run([sys.executable, "-c", "import helpdesk.cli"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
