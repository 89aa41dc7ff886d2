"""Model objects added for schema completeness: user collations and composite types.

They follow ``model``'s conventions (unquoted names, a ``qualname``, tuples in a fixed order)
and live apart only to keep ``model`` small; ``Schema`` holds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CollationProvider = Literal["libc", "icu", "builtin", "default"]


@dataclass(frozen=True)
class Collation:
    """A collation made by ``CREATE COLLATION`` (the server's own ones are never read)."""

    schema: str
    name: str
    provider: CollationProvider = "libc"
    lc_collate: str | None = None
    """libc: ``LC_COLLATE`` (``None`` for ICU and builtin)."""
    lc_ctype: str | None = None
    locale: str | None = None
    """ICU or builtin locale (``en-u-kn-true``)."""
    deterministic: bool = True

    @property
    def qualname(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Attribute:
    """One attribute of a composite type."""

    name: str
    type: str
    """``format_type`` output with typmod."""
    collation: str | None = None
    """Only when it differs from the type's default collation."""


@dataclass(frozen=True)
class CompositeType:
    """A type made by ``CREATE TYPE name AS (...)`` (not the row type of a table or view)."""

    schema: str
    name: str
    attributes: tuple[Attribute, ...] = ()
    """In attribute order: the order is part of the type (it is how a row literal is read)."""

    @property
    def qualname(self) -> str:
        return f"{self.schema}.{self.name}"


PrivilegeTarget = Literal[
    "schema", "table", "view", "materialized_view", "sequence", "column", "routine", "type"
]


@dataclass(frozen=True)
class Grant:
    """One privilege one role (or ``PUBLIC``) holds on one object, beyond its owner's own."""

    target: PrivilegeTarget
    object: str
    """Qualified name: ``schema``, ``schema.table``, ``schema.table.column``, ``schema.f(integer)``."""
    grantee: str
    privilege: str
    """``SELECT``, ``INSERT``, ``USAGE``, ``EXECUTE``...: as ``aclexplode`` spells it."""
    grantable: bool = False

    @property
    def qualname(self) -> str:
        return f"{self.object}: {self.privilege} to {self.grantee}"


@dataclass(frozen=True)
class Owner:
    """The owner of a schema, relation, sequence, routine or type."""

    target: PrivilegeTarget
    object: str
    owner: str

    @property
    def qualname(self) -> str:
        return self.object


DefaultTarget = Literal["tables", "sequences", "functions", "types", "schemas"]


@dataclass(frozen=True)
class DefaultPrivilege:
    """How ``ALTER DEFAULT PRIVILEGES`` departs from the server's defaults for objects ``role`` creates
    later: a privilege given to ``grantee`` (in ``schema``, or anywhere when ``None``), or, with
    ``revoked``, a built-in default taken away (``EXECUTE`` on functions or ``USAGE`` on types
    from ``PUBLIC``, which only a database-wide entry can take)."""

    role: str
    schema: str | None
    on: DefaultTarget
    grantee: str
    privilege: str
    grantable: bool = False
    revoked: bool = False

    @property
    def qualname(self) -> str:
        where = f" in schema {self.schema}" if self.schema else ""
        verb = "revoked from" if self.revoked else "to"
        return (
            f"default privileges of {self.role}{where} on {self.on}: {self.privilege} {verb} {self.grantee}"
        )
