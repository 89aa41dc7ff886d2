"""The signature catalog is complete data: every signature has examples, a remedy and docs, and its examples are its own."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pgwarden.doctor import signature_catalog as catalog
from pgwarden.doctor.logs import analyze
from pgwarden.doctor.matcher import PROBLEM_PATTERN, classify, prefilter
from pgwarden.doctor.reader import LogSource
from pgwarden.doctor.scan import Scanner

SIGNATURES = catalog.load()
FOLDER = Path(catalog.__file__).parent / "signatures"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "doctor.md"
ORDINARY = [
    "2026-11-22 10:02:03,123 - aiogram.event - INFO - Update id=948201 is handled. Duration 12 ms by bot id=70",
    '2026-11-22 10:02:03,123 - httpx - INFO - HTTP Request: POST https://api.telegram.org/bot70:***/sendMessage "HTTP/1.1 200 OK"',
    "Nov 22 10:02:03 vps systemd[1]: Started marketingbot-bot.service - Marketing bot.",
    "2026-11-22 10:02:03.123 UTC [1] LOG:  database system is ready to accept connections",
    "2026-11-22 10:02:03.123 UTC [1] LOG:  checkpoint complete: wrote 12 buffers (0.1%)",
]


def test_registry_and_files_agree() -> None:
    files = {p.stem for p in FOLDER.glob("*.toml")}
    assert files == set(catalog.SIGNATURE_IDS)
    assert len(set(catalog.SIGNATURE_IDS)) == len(catalog.SIGNATURE_IDS)
    assert len(SIGNATURES) >= 35


@pytest.mark.parametrize("sig", SIGNATURES, ids=[s.id for s in SIGNATURES])
def test_signature_is_complete(sig: catalog.Signature) -> None:
    assert sig.examples, f"{sig.id} has no example lines"
    assert len(sig.remedy) > 40 and len(sig.explanation) > 40, f"{sig.id} needs an explanation and a remedy"
    assert sig.command.startswith("pgwarden "), f"{sig.id}: command must be a pgwarden command"
    assert sig.title.strip() and not sig.title.endswith(".")


@pytest.mark.parametrize("sig", SIGNATURES, ids=[s.id for s in SIGNATURES])
def test_examples_are_matched_by_their_own_signature_first(sig: catalog.Signature) -> None:
    for example in sig.examples:
        index = classify(example, SIGNATURES)
        assert index is not None, f"{sig.id}: no signature matches its example {example!r}"
        assert SIGNATURES[index].id == sig.id, (
            f"{example!r} is claimed by {SIGNATURES[index].id} before {sig.id}"
        )


@pytest.mark.parametrize("engine", ["hyperscan", "re"])
def test_every_example_is_found_through_the_whole_pipeline(engine: str) -> None:
    if engine == "hyperscan":
        pytest.importorskip("hyperscan")
    for sig in SIGNATURES:
        for example in sig.examples:
            scanner = Scanner(engine=engine)
            scanner.feed(
                [
                    (
                        "2026-11-22 10:00:00,000 INFO before\n"
                        + example
                        + "\n2026-11-22 10:00:01,000 INFO after\n"
                    ).encode()
                ]
            )
            found = {k: t.count for k, t in scanner.finish().tallies.items()}
            assert found == {sig.id: 1}, f"{engine}: {example!r} gave {found}"


def test_ordinary_lines_match_nothing() -> None:
    for line in ORDINARY:
        assert classify(line, SIGNATURES) is None, line
    scanner = Scanner()
    scanner.feed([("\n".join(ORDINARY) + "\n").encode()])
    result = scanner.finish()
    assert result.tallies == {} and result.events == 0


def test_parse_rejects_incomplete_signatures() -> None:
    with pytest.raises(catalog.CatalogError, match="needs patterns, examples and a remedy"):
        catalog.parse(
            "x",
            'title = "T"\nseverity = "error"\npatterns = ["a"]\ncommand = "pgwarden check"\n'
            'explanation = "e"\nremedy = ""\nexamples = ["a"]\n',
        )
    with pytest.raises(catalog.CatalogError, match="missing"):
        catalog.parse("x", 'title = "T"\n')


@pytest.mark.skipif(shutil.which("grep") is None, reason="needs GNU grep")
def test_patterns_are_valid_for_grep_and_hyperscan() -> None:
    """The benchmark hands the same patterns to grep -E; the prefilter compiles them with Hyperscan."""
    patterns = [p for s in SIGNATURES for p in s.patterns] + [PROBLEM_PATTERN]
    for pattern in patterns:
        run = subprocess.run(["grep", "-E", "-e", pattern], input=b"", capture_output=True)
        assert run.returncode == 1, f"grep -E rejects {pattern!r}: {run.stderr!r}"
    pytest.importorskip("hyperscan")
    assert prefilter(SIGNATURES, engine="hyperscan").engine == "hyperscan"


def test_docs_list_every_signature() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [s.id for s in SIGNATURES if f"`{s.id}`" not in text]
    assert missing == [], f"docs/doctor.md lacks {missing}"


def test_seed_incident_lines_are_recognised(tmp_path: Path) -> None:
    """The log lines quoted in the five incident reports are the catalog's first signatures."""
    lines = [
        (
            "<class 'asyncpg.exceptions.UndefinedColumnError'>: column conversations.started_at does not exist",
            "undefined-column",
        ),
        (
            "ERROR - Ошибка Telegram API: Conflict: terminated by other getUpdates request",
            "telegram-conflict",
        ),
        ("RuntimeWarning: coroutine 'function_name' was never awaited", "coroutine-never-awaited"),
        ("TimeoutError: Request timed out", "http-timeout"),
        ("ConnectionError: Failed to establish connection", "http-connection-error"),
        ("marketingbot-bot.service: Scheduled restart job, restart counter is at 5.", "restart-loop"),
        ("write /var/lib/postgresql/data/base/1/2: no space left on device", "no-space-left"),
        (
            '[MIGRATIONS] ❌ Failed to apply 006_create_tables.sql: column "chat_id" does not exist',
            "migration-failed",
        ),
    ]
    log = tmp_path / "seeds.log"
    log.write_text(
        "".join(f"2026-11-22 10:0{i}:00,000 {line}\n" for i, (line, _) in enumerate(lines)), encoding="utf-8"
    )
    report = analyze([LogSource("file", str(log))], jobs=1)
    assert sorted(i.signature.id for i in report.incidents) == sorted(sig for _, sig in lines)
