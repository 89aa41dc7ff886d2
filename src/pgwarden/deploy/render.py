"""The verdict for a person (text) and for a CI/CD step (JSON)."""

from __future__ import annotations

import json
from typing import IO

from .criteria import Criterion
from .verify import Verdict

__all__ = ["render_json", "render_text"]

_MARK = {"met": "ok  ", "unmet": "FAIL", "skipped": "skip"}


def render_text(verdict: Verdict, out: IO[str], *, title: str) -> None:
    out.write(f"{title}: {verdict.rounds} look(s) in {verdict.elapsed:.1f} s\n\n")
    width = max(len(c.name) for c in verdict.criteria)
    for c in verdict.criteria:
        out.write(f"  {_MARK[c.state]} {c.name.ljust(width)}  {c.detail}\n")
        if c.met is False and c.todo:
            out.write(f"       {' ' * width}  -> {c.todo}\n")
    out.write("\n" + summary(verdict.criteria) + "\n")


def summary(criteria: list[Criterion]) -> str:
    unmet = [c.name for c in criteria if c.met is False]
    skipped = [c.name for c in criteria if c.met is None]
    tail = f" (not checked: {', '.join(skipped)})" if skipped else ""
    if unmet:
        return f"NOT verified: {len(unmet)} criterion(s) unmet: {', '.join(unmet)}{tail}."
    return f"Verified: every checked criterion holds{tail}."


def render_json(verdict: Verdict, out: IO[str]) -> None:
    doc = verdict.to_dict()
    doc["summary"] = summary(verdict.criteria)
    json.dump(doc, out, indent=2, ensure_ascii=False)
    out.write("\n")
