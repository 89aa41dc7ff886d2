"""The keyword list ``quote_ident`` reads from its data file is pglast's (the grammar's), and the
commands that compare schemas do not import pglast to quote a name."""

from __future__ import annotations

import subprocess
import sys

from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

from pgwarden.diff._names import quote_ident, quoted_keywords


def test_data_file_lists_the_keywords_pglast_knows() -> None:
    assert quoted_keywords() == set(RESERVED_KEYWORDS) | set(COL_NAME_KEYWORDS) | set(TYPE_FUNC_NAME_KEYWORDS)


def test_quoting() -> None:
    assert quote_ident("users") == "users"
    assert quote_ident("user") == '"user"'  # reserved
    assert quote_ident("between") == '"between"'  # column-name keyword
    assert quote_ident("left") == '"left"'  # type/function-name keyword
    assert quote_ident("abort") == "abort"  # unreserved: left alone, as the server does
    assert quote_ident("Mixed") == '"Mixed"'
    assert quote_ident('a"b') == '"a""b"'


def test_diff_and_its_rendering_do_not_import_pglast() -> None:
    code = (
        "import sys\n"
        "from pgwarden.catalog.model import Column, Schema, Table\n"
        "from pgwarden.diff import diff, render_sql, to_findings\n"
        "a = Schema(schemas=('public',), tables=(Table('public', 'user', columns=(Column('id', 'integer'),)),))\n"
        "b = Schema(schemas=('public',))\n"
        "changes = diff(a, b)\n"
        "assert 'CREATE TABLE' in render_sql(changes), render_sql(changes)\n"
        "to_findings(changes)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pglast'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
