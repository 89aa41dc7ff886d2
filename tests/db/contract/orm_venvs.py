"""Virtualenvs with another ORM than SQLAlchemy, made by the suite with pip from the registry and kept.

They live under ``build/orm-venvs`` (one folder per requirement set and Python), so only the
first run pays for pip; they hold the ORM, its driver, and nothing of pgwarden's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BUILD = Path(__file__).resolve().parents[3] / "build" / "orm-venvs"
TORTOISE = ("tortoise-orm==0.17.8", "tortoise-orm==0.21.7", "tortoise-orm==1.1.9")
"""0.17: DDL through the asyncpg client; 0.21: the shared PostgreSQL backend; 1.x: per-context apps."""
PEEWEE = ("peewee==3.17.9", "peewee==4.5.3")
DJANGO = "django==5.2.19"
DRIVERS = {
    "tortoise-orm": "asyncpg==0.32.0",
    "peewee": "psycopg2-binary==2.9.13",
    "django": "psycopg2-binary==2.9.13",
}


def orm_venv(requirement: str) -> Path:
    """The Python of a virtualenv with ``requirement`` and its PostgreSQL driver, made once."""
    driver = DRIVERS[requirement.partition("==")[0]]
    name = f"{requirement.replace('==', '')}-py{sys.version_info[0]}.{sys.version_info[1]}"
    folder = BUILD / name
    python = folder / "bin" / "python"
    if (folder / ".ready").is_file():
        return python
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--clear", str(folder)], check=True, capture_output=True)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement, driver],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"pip could not install {requirement}: {done.stderr[-2000:]}")
    (folder / ".ready").touch()
    return python


if __name__ == "__main__":  # make them ahead of a run: python tests/db/contract/orm_venvs.py
    for wanted in (*TORTOISE, *PEEWEE, DJANGO):
        print(orm_venv(wanted))
