"""The package's structure: import arrows follow the layers of ../shared/design.md, no cycle, short modules.

Runs the project's layer check (``../shared/tools/layers.py``), which exits 1 and names each
wrong-way arrow or cycle (lazy imports inside functions count).
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared"


def test_imports_follow_the_layers_without_cycles():
    tool = SHARED / "tools" / "layers.py"
    run = subprocess.run([sys.executable, str(tool)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "arrows follow the map, no cycles" in run.stdout


def test_no_module_is_over_500_lines():
    """style.md: a module per idea; none over about 500 lines."""
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "src").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}
