"""Per column, what SQLAlchemy's DDL does not carry: the class and attribute mapping it, its declaration style,
autoincrement intent, comments, enum and sequence names. Part of the exporter (``_export_models.py``), run in
the project's interpreter and loaded by path: standard library and SQLAlchemy only, Python 3.7+.
"""

from __future__ import annotations

from typing import Any

__all__ = ["columns"]


def _qual(table: Any) -> str:
    return "{}.{}".format(table.schema or "public", table.name)


def _mappers() -> list[Any]:
    """Every mapper this process knows, on any SQLAlchemy from 1.3 on."""
    try:
        from sqlalchemy.orm.mapper import _all_registries  # 1.4 and later
    except ImportError:
        try:
            from sqlalchemy.orm.mapper import _mapper_registry  # type: ignore[attr-defined]  # 1.3
        except ImportError:
            return []
        return list(_mapper_registry)
    found: list[Any] = []
    for reg in sorted(_all_registries(), key=id):
        found.extend(reg.mappers)
    return found


def columns(metadata: Any) -> list[dict[str, Any]]:
    """Per column: the class and attribute that map it, how it is declared, and what DDL does not carry."""
    from sqlalchemy import Column, Sequence, Table

    owned = {id(t) for t in metadata.tables.values()}
    mapped: dict[Any, Any] = {}
    # Base classes first, so an inherited column is named after the class that declares it.
    mappers = sorted(_mappers(), key=lambda m: (len(m.class_.__mro__), m.class_.__qualname__))
    for mapper in mappers:
        for key, column in mapper.columns.items():
            if isinstance(column, Column) and isinstance(column.table, Table) and id(column.table) in owned:
                mapped.setdefault(id(column), (mapper, key))
    described: list[dict[str, Any]] = []
    for table in metadata.tables.values():
        implied = getattr(table, "_autoincrement_column", None)
        for column in table.columns:
            entry: dict[str, Any] = {
                "table": _qual(table),
                "column": column.name,
                "autoincrement": column.autoincrement
                if isinstance(column.autoincrement, bool)
                else str(column.autoincrement),
                "serial": column is implied,
                "comment": column.comment,
                "table_comment": table.comment,
                "enum": getattr(column.type, "name", None) if hasattr(column.type, "enums") else None,
                "sequence": column.default.name if isinstance(column.default, Sequence) else None,
            }
            owner = mapped.get(id(column))
            if owner is None:
                entry.update({"class": None, "attribute": None, "style": "Table"})
            else:
                mapper, key = owner
                annotated = _annotated(mapper.class_, key)
                entry.update(
                    {
                        "class": mapper.class_.__name__,
                        "attribute": key,
                        "style": "mapped_column" if annotated else "Column",
                    }
                )
            described.append(entry)
    return described


def _annotated(cls: type, key: str) -> bool:
    """Whether ``key`` is declared ``Mapped[...]`` on ``cls`` or a base (2.0 style)."""
    for klass in cls.__mro__:
        annotation = vars(klass).get("__annotations__", {}).get(key)
        if annotation is not None:
            return "Mapped" in str(annotation)
    return False
