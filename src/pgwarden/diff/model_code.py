"""Model code in a hint, written in the model's own ORM: SQLAlchemy (``Mapped``/``Column``), Tortoise, Peewee, Django.

The models source sets ``attributes[qualname + STYLE_SUFFIX]`` to the ORM of the class that maps
a column (``tortoise``, ``peewee``, ``django``); SQLAlchemy's classic ``Column(...)`` keeps its
``CLASSIC_SUFFIX`` key, and a column with neither is SQLAlchemy 2.0's ``Mapped[...]``. A user of
Django must not be told to write ``mapped_column``: every hint that shows code asks here.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "CLASSIC_SUFFIX",
    "ORMS",
    "PK_SUFFIX",
    "STYLE_SUFFIX",
    "field_class",
    "integer_key",
    "models_style",
    "nullable",
    "orm_name",
    "rename_column",
    "style_of",
    "table_name",
    "table_style",
]

CLASSIC_SUFFIX = "#classic"
"""``attributes[qualname + CLASSIC_SUFFIX]`` is set (by the models source) for a classic ``Column(...)``."""
STYLE_SUFFIX = "#style"
"""``attributes[qualname + STYLE_SUFFIX]``: ``tortoise``, ``peewee`` or ``django`` (the ORM mapping the column)."""
PK_SUFFIX = "#pk_keyword"
"""``attributes[qualname + PK_SUFFIX]``: ``pk`` for a key of Tortoise before 0.21, which knows no ``primary_key``."""
ORMS = ("tortoise", "peewee", "django")
"""The styles that are not SQLAlchemy's."""

MAPPED, COLUMN = "mapped_column", "Column"

# PostgreSQL type prefix -> (SQLAlchemy, Tortoise, Peewee, Django) class; first match wins.
_CLASSES = (
    ("bigint", ("BigInteger", "fields.BigIntField", "BigIntegerField", "models.BigIntegerField")),
    ("smallint", ("SmallInteger", "fields.SmallIntField", "SmallIntegerField", "models.SmallIntegerField")),
    ("integer", ("Integer", "fields.IntField", "IntegerField", "models.IntegerField")),
    ("character varying", ("String", "fields.CharField", "CharField", "models.CharField")),
    ("text", ("Text", "fields.TextField", "TextField", "models.TextField")),
    ("boolean", ("Boolean", "fields.BooleanField", "BooleanField", "models.BooleanField")),
    ("timestamp", ("DateTime", "fields.DatetimeField", "DateTimeField", "models.DateTimeField")),
    ("date", ("Date", "fields.DateField", "DateField", "models.DateField")),
    ("numeric", ("Numeric", "fields.DecimalField", "DecimalField", "models.DecimalField")),
    ("double precision", ("Float", "fields.FloatField", "DoubleField", "models.FloatField")),
    ("uuid", ("Uuid", "fields.UUIDField", "UUIDField", "models.UUIDField")),
    ("jsonb", ("JSONB", "fields.JSONField", "BinaryJSONField", "models.JSONField")),
    ("json", ("JSON", "fields.JSONField", "JSONField", "models.JSONField")),
    ("bytea", ("LargeBinary", "fields.BinaryField", "BlobField", "models.BinaryField")),
)
_INDEX = {MAPPED: 0, COLUMN: 0, "tortoise": 1, "peewee": 2, "django": 3}


def style_of(attributes: Mapping[str, str], qualname: str) -> str:
    """The style of the model column ``schema.table.column``: an ORM name, ``Column`` or ``mapped_column``."""
    style = attributes.get(qualname + STYLE_SUFFIX)
    if style in ORMS:
        return style
    return COLUMN if attributes.get(qualname + CLASSIC_SUFFIX) else MAPPED


def table_style(attributes: Mapping[str, str], table: str) -> str:
    """The style of the model mapping ``schema.table`` (its columns'); ``mapped_column`` when unknown."""
    prefix = f"{table}."
    for key, value in attributes.items():
        if key.startswith(prefix) and key.endswith(STYLE_SUFFIX) and value in ORMS:
            return value
    return MAPPED


def models_style(attributes: Mapping[str, str]) -> str | None:
    """The models' ORM (``tortoise``, ``peewee``, ``django``), ``sqlalchemy``, or None with no models."""
    if not attributes:
        return None
    for key, value in attributes.items():
        if key.endswith(STYLE_SUFFIX) and value in ORMS:
            return value
    return "sqlalchemy"


def orm_name(style: str) -> str:
    return {"tortoise": "Tortoise", "peewee": "Peewee", "django": "Django"}.get(style, "SQLAlchemy")


def field_class(style: str, pg_type: str) -> str | None:
    """The class a model of ``style`` declares a ``pg_type`` column with, if pgwarden knows it."""
    base = pg_type.lower()
    for prefix, classes in _CLASSES:
        if base.startswith(prefix):
            return classes[_INDEX.get(style, 0)]
    return None


def integer_key(style: str, attr: str, pg_type: str, pk_keyword: str = "primary_key") -> str:
    """An integer primary key the code fills itself (no sequence), as ``style`` writes it; ``pk_keyword`` is
    how the project's Tortoise spells a key (``pk`` before 0.21)."""
    big = pg_type == "bigint"
    if style == "tortoise":
        return f"{attr} = fields.{'BigIntField' if big else 'IntField'}({pk_keyword}=True, generated=False)"
    if style == "peewee":
        return f"{attr} = {'BigIntegerField' if big else 'IntegerField'}(primary_key=True)"
    if style == "django":
        return f"{attr} = models.{'BigIntegerField' if big else 'IntegerField'}(primary_key=True)"
    type_ = "BigInteger" if big else "Integer"
    if style == COLUMN:
        return f"{attr} = Column({type_}, primary_key=True, autoincrement=False)"
    return f"{attr}: Mapped[int] = mapped_column({type_}, primary_key=True, autoincrement=False)"


def rename_column(style: str, attr: str, column: str, pg_type: str, annotation: str) -> tuple[str, str]:
    """(code, note): the attribute ``attr`` mapped to the existing ``column``, as ``style`` writes it."""
    field = field_class(style, pg_type)
    if style == "tortoise":
        return f'{attr} = {field or "fields.<Field>"}(source_field="{column}", ...)', " (options as before)"
    if style == "peewee":
        return f'{attr} = {field or "<Field>"}(column_name="{column}", ...)', " (options as before)"
    if style == "django":
        return f'{attr} = {field or "models.<Field>"}(db_column="{column}", ...)', " (options as before)"
    if style == COLUMN:
        return (
            f'{attr} = Column("{column}", ...)',
            " (the database's column name first; type and options as before)",
        )
    return f'{attr}: Mapped[{annotation}] = mapped_column("{column}")', ""


def table_name(style: str, name: str, schema: str | None) -> str:
    """The model's declaration of its table ``name`` (and ``schema`` if it differs), as ``style`` writes it."""
    if style == "tortoise":
        return f'class Meta: table = "{name}"' + (f' (and schema = "{schema}")' if schema else "")
    if style == "peewee":
        return f'class Meta: table_name = "{name}"' + (f' (and schema = "{schema}")' if schema else "")
    if style == "django":
        return f'class Meta: db_table = "{name}"'
    table_args = f' and __table_args__ = {{"schema": "{schema}"}}' if schema else ""
    return f'__tablename__ = "{name}"{table_args}'


def nullable(style: str, allows_null: bool) -> str:
    """The model option that says whether the column allows NULL."""
    value = "True" if allows_null else "False"
    return f"null={value}" if style in ORMS else f"nullable={value}"
