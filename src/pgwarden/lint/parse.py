"""Parse a SQL file into Statements with PostgreSQL's grammar (pglast JSON), DO-block bodies included."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from .model import Node, Statement


@dataclass(frozen=True)
class SyntaxProblem:
    """A statement PostgreSQL's parser rejects."""

    message: str
    offset: int
    """Byte offset in the file."""


CHUNK_BYTES = 1024 * 1024
"""Files larger than this are parsed a chunk of whole statements at a time (bounded memory)."""


def parse_file(data: bytes) -> tuple[list[Statement], SyntaxProblem | None]:
    """Statements of ``data`` (UTF-8 SQL) and, when the file does not parse, where it stops."""
    if len(data) > CHUNK_BYTES:
        return _parse_chunked(data)
    return _parse_chunk(data, 0, len(data), [])


def _parse_chunk(
    data: bytes, start: int, end: int, found: list[Statement]
) -> tuple[list[Statement], SyntaxProblem | None]:
    """Append the statements of ``data[start:end]`` to ``found``; on a syntax error keep those before it."""
    from pglast import parser  # imported at the first parse: a cache hit never pays for it

    chunk = data[start:end]
    try:
        tree = orjson.loads(parser.parse_sql_json(chunk.decode("utf-8")))
    except parser.ParseError as exc:
        # pglast reports the error position as a 0-based character index into the chunk.
        where = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        offset = len(chunk.decode("utf-8")[: max(where, 0)].encode("utf-8"))
        cut = chunk.rfind(b";", 0, offset)
        if cut > 0:
            try:
                tree = orjson.loads(parser.parse_sql_json(chunk[: cut + 1].decode("utf-8")))
                found.extend(_statements(tree, data, start))
            except (parser.ParseError, UnicodeDecodeError):
                pass
        message = str(exc.args[0]) if exc.args else str(exc)
        return found, SyntaxProblem(message, start + offset)
    found.extend(_statements(tree, data, start))
    return found, None


def _parse_chunked(data: bytes) -> tuple[list[Statement], SyntaxProblem | None]:
    """A large file: split it with PostgreSQL's scanner, parse about ``CHUNK_BYTES`` at a time.

    Large migration files are data loads and backfills: thousands of INSERTs or UPDATEs of the
    same shape. A run of such statements is represented by its first one (rules judge them
    alike), and the VALUES of an INSERT are dropped after the first row, so memory stays near
    the file's size instead of a parse tree per row.
    """
    from pglast import parser  # imported at the first parse: a cache hit never pays for it

    text = data.decode("utf-8")
    ascii_only = data.isascii()
    found: list[Statement] = []
    chunk_start = 0
    consumed_chars = consumed_bytes = 0
    for piece in parser.split(text, with_parser=False, only_slices=True):
        if ascii_only:
            end = piece.stop
        else:
            consumed_bytes += len(text[consumed_chars : piece.stop].encode("utf-8"))
            consumed_chars = piece.stop
            end = consumed_bytes
        # The statement's terminating semicolon belongs to it.
        if data[end : end + 1] == b";":
            end += 1
        if end - chunk_start < CHUNK_BYTES:
            continue
        kept = len(found)
        found, problem = _parse_chunk(data, chunk_start, end, found)
        _thin(found, kept)
        if problem is not None:
            return found, problem
        chunk_start = end
    kept = len(found)
    found, problem = _parse_chunk(data, chunk_start, len(data), found)
    _thin(found, kept)
    return found, problem


_DML = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt"})


def _thin(found: list[Statement], start: int) -> None:
    """Thin ``found[start:]`` as ``_parse_chunked`` describes."""
    previous = _shape(found[start - 1]) if start > 0 else None
    kept: list[Statement] = []
    for stmt in found[start:]:
        shape = _shape(stmt)
        if shape is not None and shape == previous:
            continue
        if stmt.tag == "InsertStmt":
            rows = stmt.node.get("selectStmt", {}).get("SelectStmt", {}).get("valuesLists")
            if rows and len(rows) > 1:
                del rows[1:]
        kept.append(stmt)
        previous = shape
    found[start:] = kept


def _shape(stmt: Statement) -> tuple[object, ...] | None:
    """What makes two data statements alike for every rule: table, columns, clauses present."""
    if stmt.tag not in _DML or stmt.in_block:
        return None
    node = stmt.node
    relation = node.get("relation", {})
    targets = node.get("cols") or node.get("targetList") or ()
    columns = tuple(c.get("ResTarget", {}).get("name") for c in targets)
    select = node.get("selectStmt", {}).get("SelectStmt", {})
    return (
        stmt.tag,
        relation.get("schemaname"),
        relation.get("relname"),
        columns,
        frozenset(node),
        frozenset(select),
    )


def _statements(tree: dict[str, Any], data: bytes, base: int) -> list[Statement]:
    found: list[Statement] = []
    for raw in tree.get("stmts", ()):
        wrapper: Node = raw.get("stmt", {})
        if not wrapper:
            continue
        ((tag, node),) = wrapper.items()
        start = base + raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0) or (len(data) - start)
        # libpg_query counts leading whitespace and comments into the statement; skip them.
        start, length = _trim(data, start, length)
        cmds = _cmds(node) if tag == "AlterTableStmt" else ()
        stmt = Statement(tag=tag, node=node, start=start, length=length, base=base, cmds=cmds)
        found.append(stmt)
        if tag == "DoStmt":
            found.extend(_do_block(stmt, data))
    return found


def _cmds(node: Node) -> tuple[Node, ...]:
    return tuple(c["AlterTableCmd"] for c in node.get("cmds", ()) if "AlterTableCmd" in c)


def _trim(data: bytes, start: int, length: int) -> tuple[int, int]:
    end = start + length
    i = start
    while i < end:
        c = data[i : i + 1]
        if c.isspace():
            i += 1
        elif data.startswith(b"--", i):
            nl = data.find(b"\n", i, end)
            i = end if nl < 0 else nl + 1
        elif data.startswith(b"/*", i):
            close = data.find(b"*/", i + 2, end)
            i = end if close < 0 else close + 2
        else:
            break
    return (i, end - i) if i < end else (start, length)


def _do_block(stmt: Statement, data: bytes) -> list[Statement]:
    """SQL statements inside a PL/pgSQL DO block, marked conditional when under IF/CASE/loops."""
    from pglast import parser  # imported at the first parse: a cache hit never pays for it

    language = "plpgsql"
    for arg in stmt.node.get("args", ()):
        elem = arg.get("DefElem", {})
        if elem.get("defname") == "language":
            language = elem.get("arg", {}).get("String", {}).get("sval", "plpgsql").lower()
    if language != "plpgsql":
        return []
    text = data[stmt.start : stmt.start + stmt.length]
    try:
        functions = orjson.loads(parser.parse_plpgsql_json(text.decode("utf-8")))
    except (parser.ParseError, ValueError, UnicodeDecodeError):
        return []
    found: list[Statement] = []
    cursor = [0]
    for fn in functions:
        action = fn.get("PLpgSQL_function", {}).get("action")
        if action:
            _plpgsql(action, False, stmt, text, cursor, found)
    return found


_BRANCHES = ("then_body", "else_body", "body", "stmts")
_CONDITIONAL = {
    "PLpgSQL_stmt_if",
    "PLpgSQL_stmt_case",
    "PLpgSQL_stmt_loop",
    "PLpgSQL_stmt_while",
    "PLpgSQL_stmt_fori",
    "PLpgSQL_stmt_fors",
    "PLpgSQL_stmt_forc",
    "PLpgSQL_stmt_foreach_a",
    "PLpgSQL_stmt_dynfors",
}


def _plpgsql(
    node: Any, conditional: bool, outer: Statement, text: bytes, cursor: list[int], out: list[Statement]
) -> None:
    if isinstance(node, list):
        for item in node:
            _plpgsql(item, conditional, outer, text, cursor, out)
        return
    if not isinstance(node, dict):
        return
    for tag, body in node.items():
        if not isinstance(body, dict):
            continue
        if tag == "PLpgSQL_stmt_execsql":
            query = body.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query", "")
            out.extend(_inner(query, conditional, outer, text, cursor))
            continue
        branch = conditional or tag in _CONDITIONAL
        # The IF's own branches are conditional; an exception handler too.
        for key, value in body.items():
            if key in ("cond", "expr", "sqlstmt", "query"):
                continue
            _plpgsql(value, branch or key in ("elsif_list", "exceptions"), outer, text, cursor, out)


def _inner(
    query: str, conditional: bool, outer: Statement, text: bytes, cursor: list[int]
) -> list[Statement]:
    from pglast import parser  # imported at the first parse: a cache hit never pays for it

    try:
        tree = orjson.loads(parser.parse_sql_json(query))
    except parser.ParseError:
        return []
    encoded = query.encode("utf-8")
    pos = text.find(encoded, cursor[0])
    if pos >= 0:
        cursor[0] = pos + len(encoded)
        base = outer.start + pos
    else:
        base = -1
    inner = _statements(tree, encoded, 0)
    return [
        Statement(
            tag=s.tag,
            node=s.node,
            start=base + s.start if base >= 0 else outer.start,
            length=s.length if base >= 0 else outer.length,
            base=base,
            in_block=True,
            conditional=conditional,
            cmds=s.cmds,
        )
        for s in inner
    ]
