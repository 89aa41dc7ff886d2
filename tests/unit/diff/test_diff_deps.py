"""Dependency helpers: relations a view reads (parsed), topological order, PostgreSQL's quoting."""

from __future__ import annotations

from pgwarden.diff._deps import topological, view_references
from pgwarden.diff._names import quote_ident, quoted


def test_view_references_are_parsed_not_pattern_matched() -> None:
    definition = """ SELECT u.id, 'FROM public.fake' AS note
   FROM public.users u
     JOIN "Reporting"."Daily Totals" d ON true
  WHERE EXISTS ( SELECT 1 FROM app.orders o WHERE o.user_id = u.id);"""
    assert view_references(definition) == {"public.users", "Reporting.Daily Totals", "app.orders"}
    assert view_references("not sql at all") == frozenset()


def test_topological_order_puts_needs_first_and_is_deterministic() -> None:
    needs = {"a": {"c"}, "b": {"a"}, "c": set(), "d": {"outside"}}
    order = topological(sorted(needs), key=lambda x: x, needs=lambda x: needs[x])
    assert order == ["c", "a", "b", "d"]


def test_topological_survives_cycles_and_deep_chains() -> None:
    cycle = {"x": {"y"}, "y": {"x"}}
    assert sorted(topological(list(cycle), key=lambda x: x, needs=lambda x: cycle[x])) == ["x", "y"]
    chain = [f"t{i:05d}" for i in range(5000)]
    order = topological(chain, key=lambda x: x, needs=lambda x: {f"t{int(x[1:]) + 1:05d}"})
    assert order == list(reversed(chain))


def test_quote_ident_quotes_only_when_postgresql_would() -> None:
    assert quote_ident("users") == "users"
    assert quote_ident("Users") == '"Users"'
    assert quote_ident("daily totals") == '"daily totals"'
    assert quote_ident("select") == '"select"'
    assert quote_ident("name") == "name"  # an unreserved keyword stays bare
    assert quote_ident('a"b') == '"a""b"'
    assert quoted("public", "Audit Log") == 'public."Audit Log"'
