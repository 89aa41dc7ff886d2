"""Install footprint of two pgwarden environments side by side: size, distributions, import and --help time.

    python bench/footprint.py BEFORE_VENV AFTER_VENV [--repeat 7]

Each venv holds a plain (non-editable) ``pip install`` of one pgwarden version. Prints
site-packages size (MB, pip and setuptools left out: every venv has them), the number of
distributions, the cumulative ``-X importtime`` of ``pgwarden.cli``, and the wall time of
``pgwarden --help`` (median of --repeat runs), with the after/before ratio.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

_BASE = ("pip", "setuptools", "pkg_resources", "_distutils_hack", "distutils-precedence.pth")


def _site(venv: Path) -> Path:
    out = subprocess.run(
        [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


def size_mb(venv: Path) -> float:
    total = 0
    for entry in _site(venv).iterdir():
        if entry.name.startswith(_BASE) or entry.name.split("-")[0] in ("pip", "setuptools"):
            continue
        files = entry.rglob("*") if entry.is_dir() else [entry]
        total += sum(f.stat().st_size for f in files if f.is_file())
    return total / 1e6


def distributions(venv: Path) -> int:
    out = subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    return sum(
        1 for line in out.stdout.splitlines() if line and not line.startswith(("pip==", "setuptools=="))
    )


def import_ms(venv: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        out = subprocess.run(
            [venv / "bin" / "python", "-X", "importtime", "-c", "import pgwarden.cli"],
            capture_output=True,
            text=True,
            check=True,
        )
        match = re.search(r"\|\s+(\d+) \| pgwarden\.cli$", out.stderr, re.MULTILINE)
        assert match, out.stderr[-500:]
        times.append(int(match.group(1)) / 1000)
    return statistics.median(times)


def help_ms(venv: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([venv / "bin" / "pgwarden", "--help"], capture_output=True, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rows = [
        ("installed size, MB", size_mb),
        ("distributions", distributions),
        ("import pgwarden.cli, ms (median)", lambda v: import_ms(v, args.repeat)),
        ("pgwarden --help, ms (median)", lambda v: help_ms(v, args.repeat)),
    ]
    print(f"| measure | before ({args.before.name}) | after ({args.after.name}) | after/before |")
    print("|---|---:|---:|---:|")
    for label, measure in rows:
        before, after = float(measure(args.before)), float(measure(args.after))
        print(f"| {label} | {before:.1f} | {after:.1f} | {after / before:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
