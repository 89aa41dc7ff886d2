"""The public API imported from a built and installed wheel, not the source tree: packaging mistakes show here.

Slow (it builds a wheel, about 10-30 s) but always run: a missing .sql or .toml file in the wheel
breaks every user and no other test would notice, since they all import ``src/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "pgwarden"

PROBE = """
import json, sys
from importlib import resources
import pgwarden
from pgwarden import *  # noqa: F403 - exactly the surface __all__ names
names = {n: type(getattr(pgwarden, n)).__name__ for n in pgwarden.__all__}
files = sorted(
    str(p.relative_to(pgwarden.__path__[0]))
    for p in __import__("pathlib").Path(pgwarden.__path__[0]).rglob("*")
    if p.is_file() and p.suffix not in (".py", ".pyc")
)
from pgwarden.doctor.signature_catalog import load as load_catalog
print(json.dumps({"file": pgwarden.__file__, "names": names, "data": files, "signatures": len(load_catalog())}))
"""


def _data_files() -> list[str]:
    return sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    )


def test_the_installed_wheel_carries_the_public_api_and_its_data_files(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = dist.glob("pgwarden-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    # -S: no site-packages processing, so the editable install's path hook cannot bring src/ back;
    # the dependencies come from this virtualenv's site-packages, named after the wheel.
    env = {
        "PYTHONPATH": os.pathsep.join([str(target), sysconfig.get_paths()["purelib"]]),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-S", "-c", PROBE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["file"].startswith(str(target)), found["file"]
    import pgwarden

    assert set(found["names"]) == set(pgwarden.__all__)
    assert found["data"] == _data_files()
    assert found["signatures"] > 0
