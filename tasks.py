"""Bootstrap for a fresh machine that has only Python 3.11+.

    python3 tasks.py demo      # create .venv if needed, install Qualicall, run `qualicall demo`
    python3 tasks.py test      # same environment, then run the whole test suite and quality gates

Any further arguments are passed on (`python3 tasks.py test -k hubspot`). Only the standard library
is used here so that it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("QUALICALL_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".qualicall-installed"
BUILD_INPUTS = ("pyproject.toml", "setup.py", "connector/rules/_scan.c")
"""A change to any of these reinstalls the project (and rebuilds the C extension)."""


def _ensure_env() -> None:
    """Create the virtual environment and (re)install the project when a BUILD_INPUTS file changed."""
    if not (BIN / "python").exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in BUILD_INPUTS)).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print("installing qualicall and its development dependencies", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(digest)


def _run(argv: list[str]) -> int:
    return subprocess.call(argv, cwd=ROOT)


def main(args: list[str]) -> int:
    """Dispatch `demo` or `test`; return the exit code of what ran."""
    if not args or args[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    _ensure_env()
    if args[0] == "demo":
        return _run([str(BIN / "qualicall"), "demo", *args[1:]])
    py = str(BIN / "python")
    for gate in (
        [py, "-m", "ruff", "check", "."],
        [py, "-m", "ruff", "format", "--check", "."],
        [py, "-m", "mypy"],
    ):
        code = _run(gate)
        if code:
            print(f"quality gate failed: {' '.join(gate[2:])}", file=sys.stderr)
            return code
    return _run([py, "-m", "pytest", "-n", "2", *args[1:]])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
