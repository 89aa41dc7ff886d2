"""Expected-schema sources against real PostgreSQL: database, models, migrations, snapshot, resolve."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from pgwarden.catalog import inspect, serialize
from pgwarden.catalog.acl import with_privileges
from pgwarden.catalog.model import Schema
from pgwarden.config import Config
from pgwarden.contract import (
    ALL_OBJECT_TYPES,
    MODEL_OBJECT_TYPES,
    database,
    migrations,
    models,
    resolve,
    snapshot,
)
from pgwarden.errors import DatabaseUnreachable, MigrationError, SourceError, UsageError
from pgwarden.expectations import Expectations, ExpectExtension
from pgwarden.scratch import Scratch

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources"
SHOP_MIGRATIONS = FIXTURES / "pgw_shop_migrations"


def leftover_scratch_databases(scratch: Scratch) -> list[str]:
    with psycopg.connect(scratch.server_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'pgwarden_scratch_models%' "
            "OR datname LIKE 'pgwarden_scratch_migrations%'"
        ).fetchall()
    return [r[0] for r in rows]


def write_migrations(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# --- a live database -------------------------------------------------------------------


def test_database_source_reads_the_live_schema_without_showing_the_password(
    db_url: str, conn: psycopg.Connection
) -> None:
    conn.execute("CREATE TABLE jobs (id bigint PRIMARY KEY, chat_id bigint)")
    parts = urlsplit(db_url)
    with_password = urlunsplit(parts._replace(netloc=parts.netloc.replace("postgres@", "postgres:s3cret@")))
    source = database.load(with_password, timeout=5)
    assert source.kind == "database"
    assert source.covers == ALL_OBJECT_TYPES
    assert source.attributes == {}
    assert "s3cret" not in source.label and parts.path.lstrip("/") in source.label
    jobs = source.schema.table("public.jobs")
    assert jobs is not None and [c.name for c in jobs.columns] == ["id", "chat_id"]


def test_database_source_honours_schemas_and_ignore(db_url: str, conn: psycopg.Connection) -> None:
    conn.execute(
        "CREATE SCHEMA app; CREATE TABLE app.a (id int); CREATE TABLE b (id int); CREATE TABLE tmp_c (id int)"
    )
    only_app = database.load(db_url, schemas=["app"]).schema
    assert [t.qualname for t in only_app.tables] == ["app.a"]
    ignored = database.load(db_url, ignore=["public.tmp_*"]).schema
    assert [t.qualname for t in ignored.tables] == ["app.a", "public.b"]


def test_database_source_unreachable_is_one_sentence() -> None:
    with pytest.raises(DatabaseUnreachable) as info:
        database.load("postgresql://bot:s3cret@127.0.0.1:1/app", timeout=1)
    assert "127.0.0.1:1/app" in str(info.value) and "s3cret" not in str(info.value)


# --- SQLAlchemy models -----------------------------------------------------------------


def test_models_source_builds_exactly_what_postgresql_prints(scratch: Scratch) -> None:
    modules_before, path_before = set(sys.modules), list(sys.path)
    source = models.load("pgw_shop_models:Base", scratch, root=FIXTURES)
    assert source.kind == "models" and source.label == "pgw_shop_models:Base"
    assert source.covers == MODEL_OBJECT_TYPES
    schema = source.schema
    assert schema.schemas == ("public", "shop")
    assert [t.qualname for t in schema.tables] == [
        "public.conversations",
        "public.customers",
        "shop.order_lines",
        "shop.orders",
    ]

    # enums, in label order, in the non-public schema
    assert schema.enum_map["shop.order_status"].labels == ("new", "paid", "shipped", "cancelled")

    # server defaults as the server prints them
    orders = schema.table("shop.orders")
    assert orders is not None
    assert orders.column("status").default == "'new'::shop.order_status"  # type: ignore[union-attr]
    assert orders.column("created_at").default == "now()"  # type: ignore[union-attr]
    assert orders.column("note").default == "''::character varying"  # type: ignore[union-attr]
    assert orders.column("total").type == "numeric(10,2)"  # type: ignore[union-attr]
    assert orders.column("id").identity == "by default"  # type: ignore[union-attr]

    # composite index, unique and check constraints with their names
    index = orders.index_map["ix_orders_customer_created"]
    assert index.columns == ("customer_id", "created_at") and not index.unique
    assert orders.constraint_map["uq_orders_customer_number"].kind == "unique"
    assert orders.constraint_map["ck_orders_total_positive"].kind == "check"

    # foreign keys, across schemas and with ON DELETE
    lines = schema.table("shop.order_lines")
    assert lines is not None
    fk = lines.constraint_map["order_lines_order_id_fkey"]
    assert fk.references == "shop.orders" and "ON DELETE CASCADE" in fk.definition
    assert orders.constraint_map["orders_customer_id_fkey"].references == "public.customers"
    assert lines.constraint_map["order_lines_pkey"].columns == ("order_id", "line")

    # serial sequence, identity column
    assert schema.sequence_map["public.customers_id_seq"].owned_by == "public.customers.id"
    conversations = schema.table("public.conversations")
    assert conversations is not None and conversations.column("id").identity == "always"  # type: ignore[union-attr]

    # attribute names, including a column mapped under another attribute name (incident 000)
    assert source.attributes["public.conversations.started_at"] == "Conversation.created_at"
    assert source.attributes["shop.orders.status"] == "Order.status"
    assert source.attributes["public.customers.email"] == "Customer.email"
    named = {k for k in source.attributes if "#" not in k}  # `#…` keys carry how a column is declared
    assert len(named) == sum(len(t.columns) for t in schema.tables)
    assert (
        source.attributes["public.customers.id#autoincrement"] == "auto"
    )  # a key SQLAlchemy gives a sequence

    # the import leaves no trace: no module, no path entry, no scratch database
    assert {m for m in set(sys.modules) - modules_before if m.startswith("pgw_")} == set()
    assert sys.path == path_before
    assert leftover_scratch_databases(scratch) == []


def test_models_source_accepts_a_metadata_and_dotted_attributes(scratch: Scratch) -> None:
    base = models.load("pgw_shop_models:Base", scratch, root=FIXTURES)
    metadata = models.load("pgw_shop_models:Base.metadata", scratch, root=FIXTURES)
    assert metadata.schema == base.schema
    assert metadata.attributes == base.attributes


def test_models_source_respects_schemas_and_ignore(scratch: Scratch) -> None:
    source = models.load(
        "pgw_shop_models:Base", scratch, root=FIXTURES, schemas=["shop"], ignore=["*.order_lines"]
    )
    assert [t.qualname for t in source.schema.tables] == ["shop.orders"]


def test_models_from_a_second_project_with_the_same_module_name(scratch: Scratch, tmp_path: Path) -> None:
    for i, column in enumerate(("chat_id", "user_id")):
        root = tmp_path / f"project{i}"
        root.mkdir()
        (root / "pgw_bot_models.py").write_text(
            "from sqlalchemy import BigInteger, Column, MetaData, Table\n"
            f"metadata = MetaData()\nTable('jobs', metadata, Column('{column}', BigInteger))\n"
        )
        schema = models.load("pgw_bot_models:metadata", scratch, root=root).schema
        assert [c.name for c in schema.table("public.jobs").columns] == [column]  # type: ignore[union-attr]
        assert not (root / "__pycache__").exists()


def test_models_already_imported_from_the_project_are_reused(
    scratch: Scratch, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pgwarden running inside the service: the models it checks are the ones the service runs.
    monkeypatch.syspath_prepend(str(FIXTURES))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.delitem(sys.modules, "pgw_shop_models", raising=False)  # gone again after the test
    import pgw_shop_models

    source = models.load("pgw_shop_models:Base", scratch, root=FIXTURES)
    assert sys.modules["pgw_shop_models"] is pgw_shop_models
    assert source.attributes["shop.orders.status"] == "Order.status"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "pgw_no_such_module:Base",
            r"Cannot import models module `pgw_no_such_module` .*no module named "
            r"`pgw_no_such_module` in .*fixtures/sources \(first on the Python path\)",
        ),
        ("pgw_shop_models.sub:Base", r"no module named `pgw_shop_models.sub`"),
        (
            "pgw_broken_models:Base",
            r"Importing models module `pgw_broken_models` raised RuntimeError: "
            r"PGW_TEST_SURELY_UNSET_DATABASE_URL is not set at .*pgw_broken_models\.py:9; fix the module",
        ),
        (
            "pgw_missing_dependency_models:Base",
            r"raised ModuleNotFoundError: No module named "
            r"'pgw_surely_not_installed_package'",
        ),
        (
            "pgw_shop_models:Bsae",
            r"Models module `pgw_shop_models` has no attribute `Bsae` \(did you mean `Base`\?\): point `models`",
        ),
        ("pgw_shop_models:Base.metdata", r"has no attribute `metdata` \(did you mean `metadata`\?\)"),
        (
            "pgw_shop_models:engine_settings",
            r"`pgw_shop_models:engine_settings` is a dict, not a SQLAlchemy "
            r"MetaData or declarative Base; point `models` at one \(this module has `pgw_shop_models:Base`",
        ),
        ("pgw_shop_models:Customer.email", r"is a InstrumentedAttribute, not a SQLAlchemy MetaData"),
        ("pgw_uuid_models:empty", r"`pgw_uuid_models:empty` has no tables"),
        ("pgw_shop_models", r"must be written module:attribute"),
    ],
)
def test_models_bad_input_is_one_clear_sentence(scratch: Scratch, spec: str, expected: str) -> None:
    with pytest.raises(SourceError, match=expected) as info:
        models.load(spec, scratch, root=FIXTURES)
    assert "Traceback" not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_models_ddl_failure_names_the_table_and_the_server_message(scratch: Scratch) -> None:
    with pytest.raises(SourceError) as info:
        models.load("pgw_uuid_models:metadata", scratch, root=FIXTURES)
    message = str(info.value)
    assert message.startswith(
        "Models `pgw_uuid_models:metadata`: creating table public.api_keys on a scratch database failed: "
        "function uuid_generate_v4() does not exist (SQLSTATE 42883). HINT: "
    )
    assert "declare the extension under [[expect.extensions]]" in message
    assert leftover_scratch_databases(scratch) == []


def test_models_with_a_declared_extension(scratch: Scratch) -> None:
    with psycopg.connect(scratch.server_url) as conn:
        available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'uuid-ossp'").fetchone()
    if available:
        source = models.load("pgw_uuid_models:metadata", scratch, root=FIXTURES, extensions=["uuid-ossp"])
        api_keys = source.schema.table("public.api_keys")
        assert api_keys is not None and api_keys.column("id").default == "public.uuid_generate_v4()"  # type: ignore[union-attr]
    else:  # a build without contrib extensions: the error says so
        with pytest.raises(
            SourceError,
            match=r"extension uuid-ossp \(declared in \[\[expect.extensions\]\]\) "
            r"cannot be installed on the scratch database",
        ):
            models.load("pgw_uuid_models:metadata", scratch, root=FIXTURES, extensions=["uuid-ossp"])
    assert leftover_scratch_databases(scratch) == []


# --- migrations ------------------------------------------------------------------------


def test_migrations_source_applies_files_in_order_including_no_transaction(scratch: Scratch) -> None:
    source = migrations.load(SHOP_MIGRATIONS, scratch)
    assert source.kind == "migrations" and source.covers == ALL_OBJECT_TYPES
    assert source.label.endswith("pgw_shop_migrations")
    orders = source.schema.table("shop.orders")
    assert orders is not None
    index = orders.index_map["ix_orders_customer_created"]  # CREATE INDEX CONCURRENTLY, no transaction
    assert index.valid and index.columns == ("customer_id", "created_at")
    assert leftover_scratch_databases(scratch) == []


def test_models_and_migrations_describing_the_same_schema_agree(scratch: Scratch) -> None:
    from_models = models.load("pgw_shop_models:Base", scratch, root=FIXTURES).schema
    from_migrations = migrations.load(SHOP_MIGRATIONS, scratch).schema

    def tables(s: Schema) -> set[str]:
        return {t.qualname for t in s.tables}

    def columns(s: Schema) -> set[tuple[str, object]]:
        return {(t.qualname, c) for t in s.tables for c in t.columns}

    def indexes(s: Schema) -> set[tuple[str, object]]:
        return {(t.qualname, i) for t in s.tables for i in t.indexes}

    def constraints(s: Schema) -> set[tuple[str, object]]:
        return {(t.qualname, c) for t in s.tables for c in t.constraints}

    assert tables(from_models) == tables(from_migrations)
    assert columns(from_models) == columns(from_migrations)
    assert indexes(from_models) == indexes(from_migrations)
    assert constraints(from_models) == constraints(from_migrations)
    assert from_models.enums == from_migrations.enums
    assert from_models.sequences == from_migrations.sequences
    assert from_models == from_migrations


def test_migration_syntax_error_gives_file_line_and_column(
    scratch: Scratch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_migrations(
        tmp_path / "migrations",
        {
            "001_init.sql": "CREATE TABLE jobs (id bigint PRIMARY KEY);\n",
            "002_chats.sql": "-- Chats for jobs.\nCREATE TABLE chats (id bigint);\n\nCREATE TABL rooms (id bigint);\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MigrationError) as info:
        migrations.load(folder, scratch)
    error = info.value
    assert str(error) == 'migrations/002_chats.sql:4:8: syntax error at or near "TABL" (SQLSTATE 42601).'
    assert (error.path, error.line, error.column, error.sqlstate) == (
        "migrations/002_chats.sql",
        4,
        8,
        "42601",
    )
    assert leftover_scratch_databases(scratch) == []


def test_migration_error_counts_characters_not_bytes(scratch: Scratch, tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "m",
        {
            "001_init.sql": "-- Заметки: ещё одна таблица\nCREATE TABLE café (id int);\nSELECT café.idd FROM café;\n"
        },
    )
    with pytest.raises(MigrationError) as info:
        migrations.load(folder, scratch)
    assert (info.value.line, info.value.column) == (3, 8)
    assert "column café.idd does not exist (SQLSTATE 42703)" in str(info.value)
    assert str(info.value).startswith(f"{folder / '001_init.sql'}:3:8: ")  # outside the cwd: path as given


def test_incident_004_index_on_a_column_the_legacy_table_lacks(scratch: Scratch, tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "m",
        {
            "005_legacy_jobs.sql": "CREATE TABLE jobs (id bigserial PRIMARY KEY, user_id bigint NOT NULL);\n",
            "006_create_tables.sql": (
                "DO $$\n"
                "BEGIN\n"
                "    IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'jobs') THEN\n"
                "        CREATE TABLE jobs (id bigserial PRIMARY KEY, chat_id bigint);\n"
                "    END IF;\n"
                "END $$;\n"
                "\n"
                "CREATE INDEX idx_jobs_chat_id ON jobs(chat_id);\n"
            ),
        },
    )
    with pytest.raises(MigrationError) as info:
        migrations.load(folder, scratch)
    # The server gives no position for this error: the statement that failed is pointed at.
    assert (info.value.line, info.value.column) == (8, 1)
    assert str(info.value).endswith(
        '006_create_tables.sql:8:1: column "chat_id" does not exist (SQLSTATE 42703).'
    )


def test_no_transaction_file_error_adds_the_statement_offset(scratch: Scratch, tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "m",
        {
            "001_jobs.sql": "CREATE TABLE jobs (id bigint, user_id bigint);\n",
            "002_index.sql": (
                "-- pgwarden: no-transaction\n"
                "CREATE INDEX CONCURRENTLY ix_jobs_user ON jobs (user_id);\n"
                "\n"
                "UPDATE jobs\n"
                "    SET user_id = chat_id;\n"
            ),
        },
    )
    with pytest.raises(MigrationError) as info:
        migrations.load(folder, scratch)
    assert (info.value.line, info.value.column) == (5, 19)
    assert ':5:19: column "chat_id" does not exist (SQLSTATE 42703).' in str(info.value)


def test_no_transaction_file_syntax_error(scratch: Scratch, tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "m",
        {
            "001_a.sql": "-- pgwarden: no-transaction\nCREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY ON a (id;\n"
        },
    )
    with pytest.raises(MigrationError) as info:
        migrations.load(folder, scratch)
    assert (info.value.line, info.value.column, info.value.sqlstate) == (3, 35, "42601")


def test_server_detail_and_hint_are_kept(scratch: Scratch, tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "m",
        {
            "001_a.sql": "CREATE TABLE jobs (id int PRIMARY KEY, chat_id bigint);\n",
            "002_b.sql": "INSERT INTO jobs VALUES (1, 1);\nINSERT INTO jobs VALUES (1, 2);\n",
            "003_c.sql": "SELECT chatid FROM jobs;\n",
        },
    )
    with pytest.raises(MigrationError) as info:
        migrations.load(folder, scratch)
    assert 'duplicate key value violates unique constraint "jobs_pkey" (SQLSTATE 23505). ' in str(info.value)
    assert "DETAIL: Key (id)=(1) already exists." in str(info.value)
    (folder / "002_b.sql").unlink()
    with pytest.raises(MigrationError) as info:
        migrations.load(folder, scratch)
    assert str(info.value).endswith(
        '003_c.sql:1:8: column "chatid" does not exist (SQLSTATE 42703). '
        'HINT: Perhaps you meant to reference the column "jobs.chat_id".'
    )


def test_plpgsql_error_carries_its_context(scratch: Scratch, tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "m",
        {"001_a.sql": "CREATE TABLE jobs (id int);\nDO $$\nBEGIN\n  PERFORM chat_id FROM jobs;\nEND $$;\n"},
    )
    with pytest.raises(MigrationError) as info:
        migrations.load(folder, scratch)
    assert (info.value.line, info.value.column) == (4, 3)  # line 3 of the DO block
    assert '001_a.sql:4:3: column "chat_id" does not exist (SQLSTATE 42703).' in str(info.value)
    assert "CONTEXT: PL/pgSQL function inline_code_block line 3 at PERFORM" in str(info.value)


def test_directives_are_applied_and_reset_between_files(scratch: Scratch, tmp_path: Path) -> None:
    check = (
        "DO $$ BEGIN IF current_setting('{name}') <> '{value}' THEN "
        "RAISE EXCEPTION '{name} is %', current_setting('{name}'); END IF; END $$;\n"
    )
    folder = write_migrations(
        tmp_path / "m",
        {
            "001_a.sql": "-- pgwarden: lock-timeout=5s statement-timeout=10min\n"
            + check.format(name="lock_timeout", value="5s")
            + check.format(name="statement_timeout", value="10min")
            + "SET search_path TO nowhere;\n",
            "002_b.sql": "-- pgwarden: no-transaction statement-timeout=1min\n"
            + check.format(name="statement_timeout", value="1min")
            + check.format(name="lock_timeout", value="0")
            + "SET lock_timeout = '3s';\n",
            "003_c.sql": check.format(name="lock_timeout", value="0")
            + check.format(name="statement_timeout", value="0")
            + "CREATE TABLE t (id int);\n",
        },
    )
    schema = migrations.load(folder, scratch).schema
    assert [t.qualname for t in schema.tables] == ["public.t"]


def test_migrations_folder_missing_or_empty(scratch: Scratch, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"Migrations folder .*nope does not exist: check `migrations`"):
        migrations.load(tmp_path / "nope", scratch)
    with pytest.raises(SourceError, match=r"holds no migration files \(NNN_description\.sql\)"):
        migrations.load(tmp_path, scratch)


# --- snapshots of real schemas ---------------------------------------------------------

EVERYTHING = """
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN app.positive AS integer CONSTRAINT positive_check CHECK (VALUE > 0) DEFAULT 1;
CREATE TABLE app.bookings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status text NOT NULL DEFAULT 'new' COLLATE "C",
    mood app.mood,
    seats app.positive,
    total numeric(10,2) GENERATED ALWAYS AS (seats * 2.5) STORED,
    CONSTRAINT bookings_status_check CHECK (status <> '') NOT VALID
);
COMMENT ON TABLE app.bookings IS 'Bookings, with "quotes" and ünïcode';
CREATE TABLE app.chat_rooms (booking_id bigint REFERENCES app.bookings DEFERRABLE INITIALLY DEFERRED);
CREATE UNIQUE INDEX chat_rooms_booking ON app.chat_rooms (booking_id) WHERE booking_id IS NOT NULL;
CREATE FUNCTION app.create_chat() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO app.chat_rooms (booking_id) VALUES (NEW.id);
    RETURN NEW;
END $$;
CREATE TRIGGER booking_create_chat AFTER INSERT OR UPDATE ON app.bookings
    FOR EACH ROW WHEN (NEW.status = 'active') EXECUTE FUNCTION app.create_chat();
ALTER TABLE app.bookings ENABLE REPLICA TRIGGER booking_create_chat;
CREATE VIEW app.active AS SELECT id FROM app.bookings WHERE status = 'active';
CREATE MATERIALIZED VIEW app.counts AS SELECT status, count(*) FROM app.bookings GROUP BY status;
CREATE INDEX counts_status ON app.counts (status);
ALTER TABLE app.bookings ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON app.bookings FOR SELECT TO PUBLIC USING (status <> 'hidden');
CREATE TABLE app.events (at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE SEQUENCE app.numbers START 10 INCREMENT 5 CYCLE;
"""


def test_snapshot_of_a_real_schema_round_trips(db_url: str, conn: psycopg.Connection, tmp_path: Path) -> None:
    conn.execute(EVERYTHING)
    live = database.load(db_url).schema
    assert live.table("app.bookings") is not None and live.functions and live.views and live.domains
    text = serialize.dumps(live)
    assert serialize.loads(text, path=tmp_path / "s.json") == live
    path = tmp_path / "schema.json"
    serialize.write(live, path)
    loaded = snapshot.load(path)
    assert loaded.schema == live and loaded.schema.server_version == live.server_version
    assert loaded.covers == ALL_OBJECT_TYPES
    with psycopg.connect(db_url) as again:
        # The same database always gives the same file (a database source reads privileges too).
        assert serialize.dumps(with_privileges(again, inspect(again))) == text


# --- resolve ---------------------------------------------------------------------------


def no_scratch() -> Scratch:
    raise AssertionError("a URL or a snapshot must not start a scratch server")


def test_resolve_every_form(
    scratch: Scratch, db_url: str, conn: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn.execute("CREATE TABLE jobs (id int)")
    cfg = Config(root=FIXTURES)
    rest = db_url.split("://", 1)[1]
    for scheme in ("postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg"):
        source = resolve(f"{scheme}://{rest}", cfg=cfg, scratch=no_scratch)
        assert source.kind == "database" and source.schema.table("public.jobs") is not None

    calls: list[int] = []

    def lazy() -> Scratch:
        calls.append(1)
        return scratch

    assert resolve("models:pgw_shop_models:Base", cfg=cfg, scratch=lazy).kind == "models"
    monkeypatch.chdir(FIXTURES)
    from_migrations = resolve("migrations:pgw_shop_migrations", cfg=cfg, scratch=lazy)
    assert from_migrations.kind == "migrations" and from_migrations.label == "pgw_shop_migrations"
    assert calls == [1, 1]

    path = tmp_path / "schema.json"
    serialize.write(from_migrations.schema, path)
    monkeypatch.chdir(tmp_path)
    assert resolve("schema.json", cfg=cfg, scratch=no_scratch).schema == from_migrations.schema
    with pytest.raises(SourceError, match="missing.json does not exist"):
        resolve("missing.json", cfg=cfg, scratch=no_scratch)

    configured = Config(
        root=FIXTURES,
        database_url=db_url,
        models="pgw_shop_models:Base",
        migrations=SHOP_MIGRATIONS,
        snapshot=path,
        expect=Expectations(extensions=(ExpectExtension(name="plpgsql"),)),
    )
    assert resolve("db", cfg=configured, scratch=no_scratch).kind == "database"
    assert resolve("snapshot", cfg=configured, scratch=no_scratch).kind == "snapshot"
    assert (
        resolve("models", cfg=configured, scratch=lazy).schema
        == resolve("migrations", cfg=configured, scratch=lazy).schema
    )


@pytest.mark.parametrize(
    "spec", ["mysql://u@h/db", "sqlite:///x.db", "nonsense", "models:pgw_shop_models:", "migrations:"]
)
def test_resolve_rejects_what_it_cannot_read(spec: str) -> None:
    with pytest.raises(UsageError) as info:
        resolve(spec, cfg=Config(root=FIXTURES), scratch=no_scratch)
    assert type(info.value) is UsageError
    if spec in ("mysql://u@h/db", "sqlite:///x.db", "nonsense"):
        assert "models:MODULE:ATTR" in str(info.value) and "migrations:DIR" in str(info.value)


def test_resolve_shorthands_need_the_config(tmp_path: Path) -> None:
    cfg = Config(root=tmp_path)
    for word in ("models", "migrations", "snapshot"):
        with pytest.raises(UsageError, match=f"`{word}` is not set \\(no config file found\\): pass"):
            resolve(word, cfg=cfg, scratch=no_scratch)
