"""conditional-create-assumption: a statement needs a column that only a conditional CREATE TABLE adds."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source, Statement
from ..nodes import alter_cmds, column_defs, relation_name, strings, walk


def _conditional_creation(stmt: Statement) -> bool:
    if stmt.tag != "CreateStmt":
        return False
    return (stmt.in_block and stmt.conditional) or bool(stmt.node.get("if_not_exists"))


def _columns_used(stmt: Statement) -> list[tuple[str, object]]:
    """``(column, location)`` pairs a statement needs on its target table."""
    node = stmt.node
    used: list[tuple[str, object]] = []
    if stmt.tag == "IndexStmt":
        for param in node.get("indexParams", ()):
            elem = param.get("IndexElem", {})
            if elem.get("name"):
                used.append((elem["name"], None))
            for tag, sub in walk(elem.get("expr")):
                if tag == "ColumnRef":
                    names = strings(sub.get("fields"))
                    if names:
                        used.append((names[-1], sub.get("location")))
    elif stmt.tag in ("UpdateStmt", "InsertStmt"):
        key = "targetList" if stmt.tag == "UpdateStmt" else "cols"
        for target in node.get(key, ()):
            res = target.get("ResTarget", {})
            if res.get("name"):
                used.append((res["name"], res.get("location")))
    for cmd in alter_cmds(stmt):
        kind = cmd.get("subtype")
        named = kind in ("AT_SetNotNull", "AT_DropNotNull", "AT_AlterColumnType", "AT_ColumnDefault")
        if (named or (kind == "AT_DropColumn" and not cmd.get("missing_ok"))) and cmd.get("name"):
            used.append((cmd["name"], None))
        elif kind == "AT_AddConstraint":
            con = cmd.get("def", {}).get("Constraint", {})
            for name in strings(con.get("keys")) + strings(con.get("fk_attrs")):
                used.append((name, con.get("location")))
    return used


_ABSENT = "absent"
_EXISTS = "exists"
_UNKNOWN = "unknown"


def _before(source: Source, table: str) -> tuple[str, frozenset[str] | None]:
    """What is known of ``table`` before the file runs, and its columns when it exists and they are known.

    ``unknown``: nothing says whether an older table of that name exists (a legacy database
    nobody showed us); the earlier migrations of the chain do not create it.
    """
    if source.tables is not None:  # --against: the target schema with the earlier files applied
        facts = source.tables.get(table)
        return (_EXISTS, facts.columns) if facts is not None else (_ABSENT, None)
    if source.chain is not None and table in source.chain:
        return _EXISTS, source.chain[table]
    return _UNKNOWN, None


def check(source: Source) -> Iterator[Hit]:
    maybe: dict[str, set[str]] = {}
    prior: dict[str, tuple[str, frozenset[str] | None]] = {}
    ensured: dict[str, set[str]] = {}
    for stmt in source.statements:
        if not maybe and stmt.tag != "CreateStmt" and stmt.tag != "AlterTableStmt":
            continue  # nothing conditional seen yet, and only these two record anything
        table = relation_name(stmt.node.get("relation"))
        if _conditional_creation(stmt):
            if table in ensured or table in maybe:
                continue  # created earlier in this file: this one is skipped and adds nothing
            state, columns = _before(source, table)
            if state == _ABSENT:  # this CREATE runs and makes every column
                ensured.setdefault(table, set()).update(str(c.get("colname")) for c in column_defs(stmt))
                continue
            prior[table] = (state, columns)
            maybe[table] = {str(c.get("colname")) for c in column_defs(stmt)}
            continue
        if stmt.tag == "CreateStmt":
            ensured.setdefault(table, set()).update(str(c.get("colname")) for c in column_defs(stmt))
            maybe.pop(table, None)
            continue
        if stmt.tag == "AlterTableStmt":
            for col in column_defs(stmt):
                ensured.setdefault(table, set()).add(str(col.get("colname")))
        if stmt.conditional or table not in maybe:
            continue
        state, columns = prior[table]
        for column, location in _columns_used(stmt):
            if column not in maybe[table] or column in ensured.get(table, set()):
                continue
            if columns is not None and column in columns:
                continue  # the table that exists already has it
            evidence = {"table": table, "column": column}
            if state == _EXISTS and columns is not None:
                yield Hit(
                    stmt,
                    f'{table} already exists without {column} ({_where(source)}), so the conditional CREATE TABLE is skipped and this statement fails: column "{column}" does not exist.',
                    offset=stmt.at(location),
                    evidence=evidence,
                )
            else:
                # Nothing shows the table without the column: a risk, not a certain failure.
                yield Hit(
                    stmt,
                    f"{table}.{column} exists only if the conditional CREATE TABLE ran; on a database where {table} already existed without it, this statement fails.",
                    offset=stmt.at(location),
                    # Tells a folder lint to look at the earlier files for this table and ask again.
                    evidence={**evidence, "chain": "unknown"} if state == _UNKNOWN else evidence,
                    severity=Severity.WARNING,
                )


def _where(source: Source) -> str:
    return "in the target schema" if source.tables is not None else "after the earlier migrations"


RULE = Rule(
    id="conditional-create-assumption",
    severity=Severity.ERROR,
    problem="CREATE TABLE IF NOT EXISTS (or a DO block's IF NOT EXISTS … CREATE TABLE) does nothing when an older table of that name exists, so its new columns may be missing. An error when the earlier migrations or the `--against` schema show the table without the column; a warning when nothing is known about an older table.",
    help="Add the column with `ALTER TABLE … ADD COLUMN IF NOT EXISTS …` before any statement that uses it.",
    bad=(
        "CREATE TABLE IF NOT EXISTS jobs (id bigint PRIMARY KEY, chat_id bigint);\n"
        "CREATE INDEX idx_jobs_chat_id ON jobs (chat_id);"
    ),
    good=(
        "CREATE TABLE IF NOT EXISTS jobs (id bigint PRIMARY KEY, chat_id bigint);\n"
        "ALTER TABLE jobs ADD COLUMN IF NOT EXISTS chat_id bigint;\n"
        "CREATE INDEX idx_jobs_chat_id ON jobs (chat_id);"
    ),
    check=check,
    tags=frozenset({"CreateStmt"}),
)
