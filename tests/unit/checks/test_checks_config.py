"""Invariants without a database: thresholds, [[invariants]] and .sql file parsing, built-in kinds' SQL."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pgwarden import config
from pgwarden.checks import InvariantConfigError, load_invariants
from pgwarden.checks.invariants import clean_sql, parse_file
from pgwarden.checks.kinds import build
from pgwarden.checks.thresholds import Threshold, parse_threshold
from pgwarden.cli import main
from pgwarden.findings import Severity


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("> 0", Threshold(">", 0)),
        (">=5%", Threshold(">=", 5, True)),
        ("!= 0", Threshold("!=", 0)),
        ("<> 3", Threshold("!=", 3)),
        ("== 2", Threshold("=", 2)),
        (10, Threshold(">=", 10)),
        ("12.5 %", Threshold(">=", 12.5, True)),
    ],
)
def test_threshold_forms(raw: object, expected: Threshold) -> None:
    assert parse_threshold(raw) == expected


@pytest.mark.parametrize("raw", ["12%%", "> -1", -3, "more than 3", "", True, "> 150%", [1], "5 rows"])
def test_threshold_rejects(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_threshold(raw)


def test_threshold_met() -> None:
    assert Threshold(">", 0).met(1, None) and not Threshold(">", 0).met(0, None)
    assert Threshold(">=", 50, True).met(5, 10) and not Threshold(">=", 50, True).met(4, 10)
    assert Threshold(">", 0, True).met(1, 0)  # violations out of an empty population: 100%
    assert not Threshold(">", 0, True).met(3, None)


def cfg(tmp: Path, text: str, name: str = "pgwarden.toml") -> config.Config:
    (tmp / name).write_text(text)
    return config.load(tmp / name)


def test_judge_uses_thresholds_or_severity(tmp_path: Path) -> None:
    plain, warned, split = load_invariants(
        cfg(
            tmp_path,
            '[[invariants]]\nname = "a"\ncheck = "SELECT 1"\nseverity = "warning"\n'
            '[[invariants]]\nname = "b"\ncheck = "SELECT 1"\nwarn_if = "> 2"\n'
            '[[invariants]]\nname = "c"\ncheck = "SELECT 1"\npopulation = "SELECT 100"\n'
            'warn_if = "> 0"\nerror_if = ">= 10%"\n',
        )
    )
    assert plain.judge(1, None) is Severity.WARNING and plain.judge(0, None) is None
    assert warned.judge(2, None) is None and warned.judge(3, None) is Severity.WARNING
    assert split.judge(1, 100) is Severity.WARNING and split.judge(10, 100) is Severity.ERROR


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('[[invariants]]\ncheck = "SELECT 1"\n', ["`invariants[0].name`", "missing"]),
        ('[[invariants]]\nname = "a b"\ncheck = "SELECT 1"\n', ["`invariants[0].name`"]),
        ('[[invariants]]\nname = "a"\ncheck = "SELECT 1"\nbogus = 1\n', ["`invariants[0].bogus`", "known:"]),
        ('[[invariants]]\nname = "a"\nkind = "unique"\ntable = "t"\n', ["`invariants[0].columns`"]),
        ('[[invariants]]\nname = "a"\nkind = "row_count"\ntable = "t"\nmin = -1\n', ["`invariants[0].min`"]),
        ('[[invariants]]\nname = "a"\ncheck = "SELECT 1"\ntimeout = "soon"\n', ["`invariants[0].timeout`"]),
        (
            '[[invariants]]\nname = "a"\ncheck = "SELECT 1"\nseverity = "fatal"\n',
            ["`invariants[0].severity`"],
        ),
        (
            '[[invariants]]\nname = "a"\ncheck = "SELECT 1"\n[[invariants]]\nname = "a"\ncheck = "SELECT 2"\n',
            ["twice"],
        ),
        ('invariants = "x"\n', ["`invariants`", "array of tables"]),
        ('invariants_dir = "nowhere"\n', ["`invariants_dir`", "not a folder"]),
        (
            '[[invariants]]\nname = "a"\nkind = "coverage"\ntable = "a"\ntarget = "b"\non = "x"\nlag_from = "t"\n',
            ["`invariants[0].lag_to`"],
        ),
    ],
)
def test_config_errors_name_file_and_key(tmp_path: Path, body: str, words: list[str]) -> None:
    with pytest.raises(InvariantConfigError) as caught:
        load_invariants(cfg(tmp_path, body))
    message = str(caught.value)
    for word in words:
        assert word in message
    assert str(tmp_path) in message or "twice" in message


def test_pyproject_keys_carry_the_prefix(tmp_path: Path) -> None:
    text = '[tool.pgwarden]\n[[tool.pgwarden.invariants]]\nname = "a"\ncheck = "SELECT 1"\nwarn_if = "12%%"\n'
    with pytest.raises(InvariantConfigError, match=r"`tool.pgwarden.invariants\[0\].warn_if`"):
        load_invariants(cfg(tmp_path, text, "pyproject.toml"))


def test_sql_file_header_check_and_repair(tmp_path: Path) -> None:
    path = tmp_path / "rooms.sql"
    path.write_text(
        "-- name: rooms\n-- severity: warning\n-- TODO: not a header key, a comment\n-- sample: 3\n"
        "-- timeout: 5s\n\nSELECT id FROM t WHERE x = ';' ; -- trailing\n-- repair:\nDELETE FROM t USING violations v "
        "WHERE t.id = v.id;\n"
    )
    inv = parse_file(path)
    assert (inv.name, inv.severity, inv.sample, inv.timeout) == ("rooms", Severity.WARNING, 3, "5s")
    assert inv.check == "SELECT id FROM t WHERE x = ';'"
    assert inv.repair == "DELETE FROM t USING violations v WHERE t.id = v.id"
    assert inv.origin == str(path)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("-- nmae: x\nSELECT 1\n", [":1:", "unknown header key `nmae`"]),
        ("-- name: x\n-- name: y\nSELECT 1\n", [":2:", "twice"]),
        ("-- name: x\n", ["no check query"]),
        ("SELECT 1\n-- repair:\n\n", ["followed by no SQL"]),
        ("-- error_if: 5%\nSELECT 1\n", ["`population`"]),
        ("-- warn_if: > -2\nSELECT 1\n", ["`warn_if`", "negative"]),
    ],
)
def test_sql_file_errors(tmp_path: Path, text: str, words: list[str]) -> None:
    path = tmp_path / "bad.sql"
    path.write_text(text)
    with pytest.raises(InvariantConfigError) as caught:
        parse_file(path)
    for word in words:
        assert word in str(caught.value)
    assert "bad.sql" in str(caught.value)


def test_clean_sql() -> None:
    assert clean_sql("  SELECT 1;;  \n") == "SELECT 1"
    assert clean_sql("SELECT 'a;b' /* c */ -- d\n") == "SELECT 'a;b'"
    assert clean_sql("SELECT 'é' ; -- ü") == "SELECT 'é'"
    # nothing to cut (no semicolon, no comment): the text as it is, without the scanner
    assert clean_sql("  SELECT a\n FROM t WHERE x = 'y' AND z - 1 > 0 / 2\n") == (
        "SELECT a\n FROM t WHERE x = 'y' AND z - 1 > 0 / 2"
    )
    assert clean_sql("SELECT 'unterminated") == "SELECT 'unterminated"


def test_builtin_kinds_quote_identifiers() -> None:
    built = build("unique", {"table": "app.Chat Rooms", "columns": ["teacher_id", "student_id"]})
    assert 'FROM "app"."Chat Rooms"' in built.check and built.target == "app.Chat Rooms"
    assert 'GROUP BY "teacher_id", "student_id" HAVING count(*) > 1' in built.check
    cov = build(
        "coverage",
        {
            "table": "bookings",
            "target": "chat_rooms",
            "on": {"student_id": "student_id"},
            "filter": "status = 'active'",
        },
    )
    assert cov.check.startswith('SELECT a."id", a."student_id" FROM "public"."bookings" AS a WHERE (status')
    assert (
        'NOT EXISTS (SELECT 1 FROM "public"."chat_rooms" AS b WHERE b."student_id" = a."student_id")'
        in cov.check
    )
    fresh = build("freshness", {"table": "jobs", "column": "done_at", "max_age": "1 day'; DROP TABLE x; --"})
    assert "'1 day''; DROP TABLE x; --'::interval" in fresh.check


def test_repair_cli_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "pgwarden.toml").write_text('[[invariants]]\nname = "a"\ncheck = "SELECT 1"\n')
    db = ["--db", "postgresql://nobody@127.0.0.1:1/none"]
    for args, words in [
        (["repair", *db], "Name the invariants"),
        (["repair", "zzz", *db], "no invariant named 'zzz'"),
        (["repair", "a", *db], "has no `repair` query"),
        (["repair", "--all", *db], "nothing to repair"),
        (["repair", "a", "--apply", "--dry-run", *db], "contradict"),
    ]:
        err = io.StringIO()
        code = main(["--config", str(tmp_path / "pgwarden.toml"), *args], io.StringIO(), err)
        assert code == 2 and words in err.getvalue(), (args, err.getvalue())


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[[invariants]]\nname = "x"\ncheck = "SELECT 1"\nerror_if = "12%%"\n', "invariants[0].error_if"),
        ('[[invariants]]\nname = "x"\ncheck = "SELECT 1"\nwarn_if = "> -1"\n', "invariants[0].warn_if"),
        ('[[invariants]]\nname = "x"\nkind = "uniq"\n', "invariants[0].kind"),
        ('[[invariants]]\nname = "x"\n', "invariants[0].check"),
        ('[[invariants]]\nname = "x"\nkind = "coverage"\ntable = "a"\n', "invariants[0].target"),
        ('[[invariants]]\nname = "x"\ncheck = "SELECT 1"\nerror_if = "> 5%"\n', "invariants[0].population"),
    ],
)
def test_bad_config_exits_2_naming_file_and_key(tmp_path: Path, body: str, key: str) -> None:
    (tmp_path / "pgwarden.toml").write_text(body)
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "--config",
            str(tmp_path / "pgwarden.toml"),
            "check",
            "--db",
            "postgresql://nobody@127.0.0.1:1/none",
        ],
        out,
        err,
    )
    assert code == 2
    assert str(tmp_path / "pgwarden.toml") in err.getvalue() and f"`{key}`" in err.getvalue()
    assert json.dumps(err.getvalue()).count("\\n") == 1  # one paragraph, no traceback


def test_repair_section_defaults_and_flags(tmp_path: Path) -> None:
    from pgwarden.checks.options import options_from_config

    loaded = cfg(tmp_path, '[repair]\nbatch_size = 500\nlock_timeout = "1s"\nthrottle = 0.1\n')
    options = options_from_config(loaded, batch_size=None, lock_timeout="3s")
    assert (options.batch_size, options.lock_timeout, options.throttle) == (500, "3s", 0.1)
    for body, word in [
        ("[repair]\nbatch_size = 0\n", "`repair.batch_size`"),
        ('[repair]\nlock_timeout = "soon"\n', "`repair.lock_timeout`"),
        ("[repair]\nbatchsize = 5\n", "unknown key `repair.batchsize`"),
    ]:
        with pytest.raises(InvariantConfigError, match=word):
            options_from_config(cfg(tmp_path, body))
