"""``pgwarden.__all__`` is the library's face: every name resolves, is documented and typed, and docs/api.md matches."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pgwarden

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import api_docs  # noqa: E402


def test_every_public_name_resolves_and_has_a_docstring() -> None:
    assert sorted(set(pgwarden.__all__)) == sorted(pgwarden.__all__), "duplicates in __all__"
    for name in pgwarden.__all__:
        obj = getattr(pgwarden, name)
        if isinstance(obj, str):
            continue
        assert (obj.__doc__ or "").strip(), f"pgwarden.{name} has no docstring"
        if inspect.isfunction(obj):
            sig = inspect.signature(obj)
            untyped = [p.name for p in sig.parameters.values() if p.annotation is inspect.Parameter.empty]
            assert not untyped and sig.return_annotation is not inspect.Signature.empty, (
                f"pgwarden.{name} lacks type hints for {untyped or 'its return value'}"
            )


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        pgwarden.no_such_thing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("pgwarden.no_such_thing resolved")


def test_docs_api_md_is_generated_from_the_docstrings() -> None:
    assert api_docs.DOC.read_text(encoding="utf-8") == api_docs.render(), (
        "docs/api.md is out of date: run `python tools/api_docs.py`"
    )


def test_importing_pgwarden_loads_no_heavy_dependency() -> None:
    """``pgwarden run``'s guardian imports the package first: its public names load on first use only."""
    code = (
        "import sys, pgwarden; "
        "heavy = [m for m in ('sqlalchemy', 'aiogram', 'telegram', 'starlette', 'psycopg', 'pglast') if m in sys.modules]; "
        "print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
