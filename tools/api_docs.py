"""Write docs/api.md from the docstrings and signatures of ``pgwarden.__all__``; ``--check`` says if it is stale.

python tools/api_docs.py          # rewrite docs/api.md
python tools/api_docs.py --check  # exit 1 when docs/api.md differs from what the code says
"""

from __future__ import annotations

import enum
import inspect
import re
import sys
from pathlib import Path
from typing import Any

import pgwarden

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"

HEADER = """\
# Library API

Generated from the docstrings by `tools/api_docs.py`; do not edit by hand (a test fails when
this page and the code disagree). Everything below is importable from `pgwarden` itself
(`from pgwarden import Warden, run_check`); other modules may change between releases.
"""


def _doc(obj: Any) -> str:
    return inspect.cleandoc(obj.__doc__ or "")


def _signature(name: str, obj: Any) -> str:
    try:
        text = str(inspect.signature(obj))
    except (TypeError, ValueError):
        return name
    # Annotations are strings (``from __future__ import annotations``): show them as written.
    text = re.sub(r"(: |-> )'([^']*)'", r"\1\2", text)
    return name + re.sub(r"<class '(?:[\w.]+\.)?(\w+)'>", r"\1", text)


def _members(cls: type) -> list[str]:
    lines: list[str] = []
    for attr, value in vars(cls).items():
        if attr.startswith("_") or isinstance(value, enum.Enum):
            continue
        if isinstance(value, property):
            first = _doc(value.fget).split("\n\n")[0].replace("\n", " ")
            lines.append(f"- `{attr}` (property){': ' + first if first else ''}")
        elif isinstance(value, classmethod | staticmethod) or inspect.isfunction(value):
            func = value.__func__ if isinstance(value, classmethod | staticmethod) else value
            first = _doc(func).split("\n\n")[0].replace("\n", " ")
            prefix = "async " if inspect.iscoroutinefunction(func) else ""
            sig = _signature(attr, value.__get__(None, cls) if isinstance(value, classmethod) else func)
            lines.append(f"- `{prefix}{sig}`{': ' + first if first else ''}")
    return lines


def render() -> str:
    parts = [HEADER]
    for name in sorted(pgwarden.__all__, key=lambda n: (n.startswith("_"), n.lower())):
        obj = getattr(pgwarden, name)
        if isinstance(obj, str):
            parts.append(f"## `{name}`\n\n`{name} = {obj!r}`: the installed version.\n")
            continue
        if isinstance(obj, type) and issubclass(obj, BaseException):
            bases = ", ".join(b.__name__ for b in obj.__bases__)
            parts.append(f"## `{name}({bases})`\n\n{_doc(obj)}\n")
            continue
        if isinstance(obj, type) and issubclass(obj, enum.Enum):
            values = ", ".join(f"`{m.value}`" for m in obj)
            parts.append(f"## `{name}`\n\n{_doc(obj)}\n\nValues: {values}.\n")
            continue
        prefix = "async " if inspect.iscoroutinefunction(obj) else ""
        text = f"## `{prefix}{_signature(name, obj)}`\n\n{_doc(obj)}\n"
        if isinstance(obj, type):
            members = _members(obj)
            if members:
                text += "\n" + "\n".join(members) + "\n"
        parts.append(text)
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not DOC.is_file() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is out of date: run python tools/api_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
