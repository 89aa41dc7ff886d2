"""Type changes that can cut, round or reject existing values, and the row test that finds those values.

An explicit cast in ``USING`` does what the cast does, silently: ``'zh-Hant'::varchar(5)`` is
``'zh-Ha'``, ``2.5::numeric(3,0)`` is ``3``, a timestamp cast to ``date`` loses its time. A type
change the fix offers for such a pair is preceded by a guard: a count of the rows whose value would
not survive, which stops the script before anything is changed. Pure: the answer is SQL text
for ``_ddl`` to place; nothing here runs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from psycopg import sql

_INTEGERS = {"smallint": 15, "integer": 31, "bigint": 63}
_FRACTIONAL = {"numeric", "real", "double precision"}
_TEXTS = {"text", "character varying", "character"}
_LENGTHED = {"character varying", "character", "bit varying", "bit"}
_PRECISION = {
    "timestamp without time zone",
    "timestamp with time zone",
    "time without time zone",
    "time with time zone",
    "interval",
}
_TYPE = re.compile(r"^(?P<head>[a-z ]+?)\s*(?:\((?P<mod>[0-9, ]+)\))?(?P<tail>(?: [a-z ]+)?)$")
# How many significant decimal digits each floating type keeps exactly.
_FLOAT_DIGITS = {"real": 6, "double precision": 15}


@dataclass(frozen=True)
class Narrowing:
    """What a type change can do to existing values, and how to find the values it would do it to."""

    loses: str
    """What happens to such a value, for the message: ``cut to 5 characters``, ``rounded``..."""
    rows: str
    """A condition on the old column (``{c}`` stands for it) true for each row that would not survive."""
    plain: bool
    """The plain ``ALTER .. TYPE`` (no ``USING``) already refuses such a value instead of changing it;
    else the ``USING`` is made to refuse it (``refusing``)."""


def _parse(type_: str) -> tuple[str, tuple[int, ...]] | None:
    """``character varying(20)`` -> (``character varying``, (20,)); arrays and user types -> ``None``."""
    if type_.endswith("]") or "." in type_ or '"' in type_:
        return None
    m = _TYPE.match(type_)
    if m is None:
        return None
    base = (m["head"] + m["tail"]).strip()
    mods = tuple(int(x) for x in m["mod"].split(",")) if m["mod"] else ()
    return base, mods


def _numeric_room(mods: tuple[int, ...]) -> tuple[int | None, int | None]:
    """(digits before the point, digits after) a numeric keeps; ``None`` where it is unbounded."""
    if not mods:
        return None, None
    precision, scale = mods[0], mods[1] if len(mods) > 1 else 0
    return precision - scale, scale


def classify(old: str, new: str) -> Narrowing | None:
    """How changing a column from ``old`` to ``new`` can lose values; ``None`` when it cannot.

    Only built-in scalar types are judged; a pair this does not know (arrays, user-defined
    types, text to jsonb) keeps the cast as it is, which raises on a value it cannot convert.
    """
    o, n = _parse(old), _parse(new)
    if o is None or n is None or old == new:
        return None
    (ob, om), (nb, nm) = o, n
    if nb in _LENGTHED and nm:
        width, is_bit = nm[0], nb.startswith("bit")
        if is_bit != ob.startswith("bit") or (ob in _LENGTHED and om and om[0] <= width):
            return None
        # Every type has an assignment cast to a string type (and bit to bit), which refuses a
        # value too long where the explicit one cuts it: the plain change needs no USING.
        measure = "length({c})" if is_bit else "char_length({c}::text)"
        return Narrowing(
            f"cut to {width} {'bits' if is_bit else 'characters'}", f"{measure} > {width}", plain=True
        )
    if nb in _INTEGERS:
        bits = _INTEGERS[nb]
        bounds = f"{{c}} NOT BETWEEN {-(2**bits)} AND {2**bits - 1}"
        if ob in _INTEGERS:
            return None if _INTEGERS[ob] <= bits else Narrowing(f"out of range for {nb}", bounds, plain=True)
        if ob in _FRACTIONAL:
            return Narrowing(
                f"rounded to a whole number or out of range for {nb}",
                f"{{c}} <> round({{c}}) OR {bounds}",
                plain=False,
            )
        return None
    if nb == "numeric" and (ob == "numeric" or ob in _FRACTIONAL or ob in _INTEGERS):
        whole, scale = _numeric_room(nm)
        if whole is None or scale is None:
            return None
        if ob in _INTEGERS and whole >= len(str(2 ** _INTEGERS[ob])):
            return None
        if ob == "numeric":
            o_whole, o_scale = _numeric_room(om)
            if o_whole is not None and o_scale is not None and o_whole <= whole and o_scale <= scale:
                return None
        value = "{c}::numeric"
        return Narrowing(
            f"rounded to {scale} decimal places or too large for {new}",
            f"{value} <> round({value}, {scale}) OR abs(round({value}, {scale})) >= 1e{whole}",
            plain=False,
        )
    if nb in _FLOAT_DIGITS and (ob in _INTEGERS or ob in _FRACTIONAL):
        if ob in _FLOAT_DIGITS and _FLOAT_DIGITS[ob] <= _FLOAT_DIGITS[nb]:
            return None
        if ob in _INTEGERS and len(str(2 ** _INTEGERS[ob])) <= _FLOAT_DIGITS[nb]:
            return None
        return Narrowing(
            f"rounded to the {_FLOAT_DIGITS[nb]} digits {nb} keeps",
            f"{{c}}::{nb}::{ob} <> {{c}}",
            plain=False,
        )
    if nb == ob and nb in _PRECISION and nm and (not om or nm[0] < om[0]):
        return Narrowing(f"rounded to {new}", f"{{c}}::{new}::{old} <> {{c}}", plain=False)
    if nb == "date" and ob in {"timestamp without time zone", "timestamp with time zone"}:
        return Narrowing(
            "cut to the date (the time of day is lost)", f"{{c}}::date::{old} <> {{c}}", plain=False
        )
    return None


def rows_condition(narrowing: Narrowing, column: str) -> str:
    """The condition with the quoted column put in."""
    return narrowing.rows.replace("{c}", column)


def refusing(narrowing: Narrowing, column: str, expression: str, new: str) -> str:
    """``expression`` made to fail on a row that would not survive, instead of converting it.

    Then the ``ALTER`` is safe without the guard too (a script run statement by statement
    that goes on after the guard's error). The failing cast names the value and is not a
    constant, so the planner cannot fold it into an error for every row.
    """
    why = sql.Literal(f"pgwarden refuses to change {column} to {new}: the value would be {narrowing.loses}: ")
    return (
        f"CASE WHEN {rows_condition(narrowing, column)} THEN ({why.as_string()} || {column}::text)::{new} "
        f"ELSE {expression} END"
    )


def guard(table: sql.Composable, label: str, column: str, narrowing: Narrowing, new: str) -> sql.Composable:
    """A ``DO`` block that counts the rows ``narrowing`` would change and stops the script if there are any.

    It runs before the ``ALTER``: in the same transaction, a row written between the two is
    still refused by the ``ALTER`` itself where ``narrowing.plain`` (and only then is ``USING``
    left out), else the window is the one between two statements of the same script.
    """
    quoted = sql.Identifier(column).as_string()
    condition = rows_condition(narrowing, quoted)
    where = f"{label}.{column}".replace("%", "%%")
    message = f"pgwarden: % row(s) of {where} would be {narrowing.loses} by the change to {new}; nothing was changed"
    hint = (
        f"Find them with SELECT * FROM {table.as_string()} WHERE {condition}; change those values first, "
        "or write the type change by hand with the USING expression you mean."
    )
    body = (
        "DECLARE lost bigint;\nBEGIN\n"
        f"    SELECT count(*) INTO lost FROM {table.as_string()} WHERE {condition};\n"
        "    IF lost > 0 THEN\n"
        f"        RAISE EXCEPTION {sql.Literal(message).as_string()}, lost\n"
        f"            USING HINT = {sql.Literal(hint).as_string()};\n"
        "    END IF;\nEND\n"
    )
    tag = "$pgwarden_guard$"
    while tag in body:
        tag = tag[:-1] + "_$"
    return sql.SQL("DO {tag}\n{body}{tag};").format(tag=sql.SQL(tag), body=sql.SQL(body))
