"""Recognise Django models so pgwarden can say which route works instead of "not a MetaData".

Loaded by path from ``_export_models.py`` in the project's interpreter (Python 3.7+ syntax).
Django's DDL needs its settings and app registry (``sqlmigrate`` with a configured project);
pgwarden does not export it, it points to the routes that work.
"""

from __future__ import annotations

import types
from typing import Any


def describe(target: Any, spec: str, error: Any) -> dict[str, Any] | None:
    """Raise the one-sentence route for Django models; ``None`` when ``target`` is not Django's."""
    try:
        from django.db import models
    except Exception:  # noqa: BLE001 - settings not configured, or a partial install: not ours to judge
        return None
    if isinstance(target, types.ModuleType):
        found = any(isinstance(v, type) and issubclass(v, models.Model) for v in vars(target).values())
    else:
        found = isinstance(target, type) and issubclass(target, models.Model)
    if not found:
        return None
    import django

    raise error(
        "django",
        f"`{spec}` holds Django {django.get_version()} models, which pgwarden does not export",
    )
