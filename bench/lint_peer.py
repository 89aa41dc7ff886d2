"""Peer comparison: pgwarden lint and squawk on tests/fixtures/lint_peer, bad and safe cases per squawk rule.

For each squawk rule the corpus holds bad cases (the rule should fire) and safe ones (it should
not); mapping.toml names the pgwarden rules of the same meaning. Each case is linted as its own
file by both tools, with the same assumption about the runner's transaction. Prints, per rule and
in total: the share of bad cases flagged by the rule of the same meaning, and how many safe cases
that rule wrongly flags, for both tools side by side.

    .venv/bin/pip install -e '.[bench]'      # squawk-cli
    .venv/bin/python bench/lint_peer.py [--pgwarden-only] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI (a core dependency there)
    import tomli as tomllib

TARGET_PERCENT = 95.0
TARGET_WRONG = 3

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "lint_peer"


@dataclass(frozen=True)
class Case:
    rule: str
    """The squawk rule this case is written for."""
    bad: bool
    in_transaction: bool
    sql: str
    name: str


def load(corpus: Path = CORPUS) -> tuple[list[Case], dict[str, list[str]]]:
    """The cases of every ``<squawk-rule>.sql`` and the squawk -> pgwarden rule mapping."""
    mapping = tomllib.loads((corpus / "mapping.toml").read_text())
    cases: list[Case] = []
    for path in sorted(corpus.glob("*.sql")):
        chunks = path.read_text().split("-- case: ")[1:]
        for i, chunk in enumerate(chunks, 1):
            header, _, sql = chunk.partition("\n")
            words = header.split()
            cases.append(
                Case(
                    path.stem,
                    words[0] == "bad",
                    "in-transaction" in words,
                    sql.strip(),
                    f"{path.stem}-{i:02}",
                )
            )
    return cases, mapping


def pgwarden_hits(cases: list[Case]) -> dict[str, set[str]]:
    """Rule ids pgwarden reports per case, all rules on, as `pgwarden lint` runs them."""
    from pgwarden.lint import ALL_RULES, Settings, lint_text

    settings = {tx: Settings(rules=ALL_RULES, assume_in_transaction=tx) for tx in (False, True)}
    return {
        c.name: {f.code for f in lint_text(f"{c.name}.sql", c.sql, settings[c.in_transaction])} for c in cases
    }


def squawk_hits(cases: list[Case]) -> dict[str, set[str]]:
    """Rule names squawk reports per case (one squawk run per transaction assumption)."""
    binary = shutil.which("squawk") or str(Path(sys.executable).with_name("squawk"))
    if not Path(binary).exists():
        raise SystemExit("squawk not found: .venv/bin/pip install -e '.[bench]' (or --pgwarden-only)")
    hits: dict[str, set[str]] = {c.name: set() for c in cases}
    with tempfile.TemporaryDirectory() as tmp:
        for tx in (False, True):
            folder = Path(tmp) / ("tx" if tx else "plain")
            folder.mkdir()
            for c in cases:
                if c.in_transaction == tx:
                    (folder / f"{c.name}.sql").write_text(c.sql + "\n")
            files = sorted(str(p) for p in folder.glob("*.sql"))
            if not files:
                continue
            argv = [binary, "--reporter", "json", *(["--assume-in-transaction"] if tx else []), *files]
            out = subprocess.run(argv, capture_output=True, text=True).stdout
            for v in json.loads(out or "[]"):
                hits[Path(v["file"]).stem].add(v["rule_name"])
    return hits


@dataclass
class Score:
    bad: int = 0
    caught: int = 0
    safe: int = 0
    wrong: int = 0

    def add(self, case: Case, fired: bool) -> None:
        if case.bad:
            self.bad += 1
            self.caught += fired
        else:
            self.safe += 1
            self.wrong += fired

    def percent(self) -> float:
        return 100.0 * self.caught / self.bad if self.bad else 100.0


def score(
    cases: list[Case], hits: dict[str, set[str]], rules_for: dict[str, list[str]]
) -> tuple[Score, dict[str, Score], list[Case]]:
    """Totals, per-rule scores and the cases judged wrongly (missed bad, flagged safe)."""
    total, per_rule, wrong = Score(), {}, []
    for c in cases:
        fired = bool(hits[c.name] & set(rules_for[c.rule]))
        total.add(c, fired)
        per_rule.setdefault(c.rule, Score()).add(c, fired)
        if fired != c.bad:
            wrong.append(c)
    return total, per_rule, wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pgwarden-only", action="store_true", help="skip squawk")
    parser.add_argument("--show-misses", action="store_true", help="print every case judged wrongly")
    args = parser.parse_args(argv)
    cases, mapping = load()
    tools = {"pgwarden": (pgwarden_hits(cases), mapping)}
    if not args.pgwarden_only:
        tools["squawk"] = (squawk_hits(cases), {rule: [rule] for rule in mapping})
    results = {tool: score(cases, hits, rules) for tool, (hits, rules) in tools.items()}
    names = list(results)
    print(f"{'squawk rule':<46}" + "".join(f"{n + ' bad':>16}{n + ' wrong':>16}" for n in names))
    for rule in sorted(mapping):
        row = f"{rule:<46}"
        for n in names:
            s = results[n][1][rule]
            row += f"{f'{s.caught}/{s.bad}':>16}{f'{s.wrong}/{s.safe}':>16}"
        print(row)
    print()
    for n in names:
        total = results[n][0]
        print(
            f"{n}: {total.caught}/{total.bad} bad cases flagged by the rule of the same meaning "
            f"({total.percent():.1f} %), {total.wrong} of {total.safe} safe cases wrongly flagged"
        )
    ours = results["pgwarden"][0]
    met = ours.percent() >= TARGET_PERCENT and ours.wrong <= TARGET_WRONG
    print(
        f"target (issue 17): >= {TARGET_PERCENT:.0f} % bad cases, <= {TARGET_WRONG} wrong flags: {'met' if met else 'MISSED'}"
    )
    if args.show_misses:
        for n in names:
            for c in results[n][2]:
                what = "missed" if c.bad else "wrongly flagged"
                print(f"\n{n} {what}: {c.name}{' (in transaction)' if c.in_transaction else ''}\n  {c.sql}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
