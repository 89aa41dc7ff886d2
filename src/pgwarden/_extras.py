"""Optional parts of pgwarden (``pip install 'pgwarden[server]'``): a clear error when one is missing."""

from __future__ import annotations

import importlib.util

from .errors import UsageError

__all__ = ["require"]


def require(extra: str, modules: tuple[str, ...], feature: str) -> None:
    """Raise a UsageError naming the extra when any of ``modules`` cannot be imported."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(
            f"{feature} needs {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not "
            f"installed: run pip install 'pgwarden[{extra}]' in the same environment, or leave it off."
        )
