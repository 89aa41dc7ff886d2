"""The registry of finding codes: one stable code per kind, each documented in ``docs/codes/<code>.md``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .findings import Finding, Severity


@dataclass(frozen=True)
class Code:
    code: str
    kind: str
    severity: Severity
    title: str


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741 - reads as a column

ALL_CODES: tuple[Code, ...] = (
    # schemas and tables
    Code("PW101", "missing_table", E, "A table the code expects does not exist"),
    Code("PW102", "extra_table", W, "A table exists that the expected schema does not know"),
    Code("PW103", "missing_column", E, "A column the code expects does not exist"),
    Code("PW104", "extra_column", W, "A column exists that the expected schema does not know"),
    Code("PW105", "probable_rename", E, "A column or table was probably renamed on one side only"),
    Code("PW106", "type_mismatch", E, "A column has a different type"),
    Code("PW107", "nullability_mismatch", E, "A column differs in NOT NULL"),
    Code("PW108", "default_mismatch", W, "A column has a different default"),
    Code("PW109", "identity_mismatch", W, "A column differs in identity or generation"),
    Code("PW110", "collation_mismatch", W, "A column has a different collation"),
    Code("PW111", "comment_mismatch", I, "A comment on a table, column, view or function differs"),
    Code(
        "PW112",
        "table_options_mismatch",
        W,
        "A table differs in partitioning, inheritance, row-level security or logging",
    ),
    Code("PW113", "missing_schema", E, "A schema the code expects does not exist"),
    Code("PW114", "extra_schema", I, "A schema exists that the expected schema does not know"),
    Code("PW115", "telegram_id_too_narrow", E, "A column holding Telegram ids is integer or smallint"),
    Code("PW116", "missing_grant", E, "A role lacks a privilege the expected schema grants it"),
    Code("PW117", "extra_grant", W, "A role holds a privilege the expected schema does not grant"),
    Code("PW118", "owner_mismatch", W, "An object has another owner than expected"),
    Code("PW119", "missing_role", E, "A role [[expect.grants]] names does not exist"),
    # indexes and constraints
    Code("PW121", "missing_index", W, "An index the code expects does not exist"),
    Code("PW122", "extra_index", I, "An index exists that the expected schema does not know"),
    Code("PW123", "index_mismatch", W, "An index has a different definition"),
    Code("PW124", "invalid_index", E, "An index is invalid (a failed CREATE INDEX CONCURRENTLY)"),
    Code("PW131", "missing_constraint", E, "A constraint the code expects does not exist"),
    Code("PW132", "extra_constraint", W, "A constraint exists that the expected schema does not know"),
    Code("PW133", "constraint_mismatch", E, "A constraint has a different definition"),
    Code("PW134", "constraint_not_validated", W, "A constraint was added NOT VALID and never validated"),
    # triggers and functions
    Code("PW141", "missing_trigger", E, "A trigger the code relies on does not exist"),
    Code("PW142", "extra_trigger", W, "A trigger exists that the expected schema does not know"),
    Code("PW143", "trigger_disabled", E, "A trigger exists but does not fire"),
    Code("PW144", "trigger_mismatch", E, "A trigger has a different timing, events, condition or function"),
    Code(
        "PW145",
        "foreign_key_triggers_disabled",
        E,
        "A foreign key checks nothing: its internal triggers are disabled (DISABLE TRIGGER ALL)",
    ),
    Code("PW151", "missing_function", E, "A function or procedure the code relies on does not exist"),
    Code("PW152", "extra_function", I, "A function exists that the expected schema does not know"),
    Code("PW153", "function_changed", W, "A function's body or attributes differ"),
    # views, sequences, types, extensions, policies
    Code("PW161", "missing_view", E, "A view or materialized view does not exist"),
    Code("PW162", "extra_view", I, "A view exists that the expected schema does not know"),
    Code("PW163", "view_mismatch", W, "A view has a different definition"),
    Code("PW171", "missing_sequence", E, "A sequence does not exist"),
    Code("PW172", "extra_sequence", I, "A sequence exists that the expected schema does not know"),
    Code("PW173", "sequence_mismatch", I, "A sequence has different parameters"),
    Code("PW174", "missing_collation", E, "A collation (CREATE COLLATION) does not exist"),
    Code("PW175", "extra_collation", I, "A collation exists that the expected schema does not know"),
    Code(
        "PW176",
        "collation_definition_mismatch",
        W,
        "A collation has a different provider, locale or determinism",
    ),
    Code("PW181", "missing_enum", E, "An enum type does not exist"),
    Code("PW182", "extra_enum", I, "An enum type exists that the expected schema does not know"),
    Code("PW183", "enum_labels_mismatch", E, "An enum type has different labels or order"),
    Code("PW184", "missing_domain", E, "A domain does not exist"),
    Code("PW185", "extra_domain", I, "A domain exists that the expected schema does not know"),
    Code("PW186", "domain_mismatch", W, "A domain has a different type, default or constraints"),
    Code("PW187", "missing_composite_type", E, "A composite type (CREATE TYPE ... AS) does not exist"),
    Code(
        "PW188", "extra_composite_type", I, "A composite type exists that the expected schema does not know"
    ),
    Code("PW189", "composite_type_mismatch", W, "A composite type has different attributes"),
    Code("PW191", "missing_extension", E, "An extension is not installed"),
    Code("PW192", "extra_extension", I, "An extension is installed that the expected schema does not know"),
    Code("PW193", "extension_version_mismatch", W, "An extension has a different version"),
    Code("PW195", "missing_policy", E, "A row-level security policy does not exist"),
    Code(
        "PW196",
        "extra_policy",
        W,
        "A row-level security policy exists that the expected schema does not know",
    ),
    Code("PW197", "policy_mismatch", E, "A row-level security policy differs"),
    # migrations: ledger vs folder (verify), runs, convergence test
    Code("PW201", "checksum_mismatch", E, "An applied migration file was edited afterwards"),
    Code("PW202", "missing_migration_file", E, "An applied migration's file is gone from the folder"),
    Code("PW203", "database_ahead", W, "The database has versions newer than any file in the folder"),
    Code("PW204", "out_of_order_migration", E, "A pending migration is older than the newest applied one"),
    Code("PW205", "failed_migration", E, "A migration failed or stopped half-way"),
    Code("PW206", "pending_migration", W, "A migration file has not been applied"),
    Code("PW207", "foreign_ledger", W, "Another tool's migration ledger was found and not imported"),
    Code("PW208", "legacy_migration_failure", E, "The migration chain fails on an empty or a legacy schema"),
    Code(
        "PW209", "schema_divergence", E, "The migration chain builds different schemas from different starts"
    ),
    Code(
        "PW210", "not_rerunnable", E, "A file declared rerunnable fails or changes the schema when run twice"
    ),
    Code("PW211", "data_loss_refused", E, "A migration would lose rows and does not say it means to"),
    Code(
        "PW212",
        "unrecorded_migrations",
        W,
        "The live schema already holds what migration files create, and no ledger records them",
    ),
    # invariants (data checks) and declared server settings
    Code("PW301", "invariant_violated", E, "Rows break a data invariant (kind is the invariant's name)"),
    Code("PW302", "invariant_failed", E, "An invariant's check query failed (syntax error, missing table)"),
    Code("PW303", "invariant_timeout", W, "An invariant's check query ran past its statement timeout"),
    Code("PW304", "setting_mismatch", E, "A server setting differs from the declared value"),
    Code("PW305", "check_skipped", W, "Part of the check was skipped: the role may not read it"),
    Code(
        "PW306",
        "replication_role_replica",
        E,
        "session_replication_role is replica for a role, a database or the server: no FK checks, no triggers",
    ),
    Code("PW307", "accepted_drift_gone", I, "Findings recorded as accepted drift no longer occur"),
    # runtime guardian (pgwarden status)
    Code("PW401", "not_ready", E, "An instance may not become active (schema gate, data loss, database)"),
    Code("PW402", "stale_code_version", W, "An instance runs other code than the newest registered one"),
    Code("PW403", "instance_not_seen", W, "A running instance has not reported within the lease ttl"),
    Code("PW404", "data_loss", E, "The database lost data or was replaced under a running instance"),
    Code("PW405", "no_active_instance", E, "Instances are running but none holds the lease"),
    Code("PW406", "leader_takeover", I, "The last takeover of the lease and its reason"),
    # doctor env: this host
    Code(
        "PW501", "duplicate_process", W, "Two or more processes run the same command line in the same folder"
    ),
    Code(
        "PW502", "sourceless_bytecode", W, "A legacy .pyc file has no .py beside it and is still importable"
    ),
    Code(
        "PW503", "stale_bytecode", I, "__pycache__ holds files of another interpreter or of deleted modules"
    ),
    Code("PW504", "code_newer_than_process", W, "Sources changed after the running process started"),
    Code("PW505", "service_restarting", W, "systemd keeps restarting the service"),
    Code("PW506", "service_failed", E, "The systemd unit is in the failed state"),
    Code("PW507", "disk_nearly_full", W, "A file system is 85 % full or more"),
    Code("PW508", "low_memory", W, "Less than 10 % of the host's memory is available"),
    Code(
        "PW509", "code_version_mismatch", E, "A registered instance runs another code version than the disk"
    ),
    # doctor env: the database server
    Code("PW511", "server_restarted", W, "PostgreSQL started less than a day ago"),
    Code("PW512", "cluster_identity_changed", E, "The server is not the cluster or database pgwarden pinned"),
    Code("PW513", "connections_near_limit", W, "Connections in use are close to max_connections"),
    Code("PW514", "long_running_query", W, "A statement has run for a long time"),
    Code("PW515", "idle_in_transaction", W, "A session sits idle inside an open transaction"),
    Code("PW516", "blocked_lock", W, "A session waits for a lock another session holds"),
    Code("PW517", "database_size", I, "The database's size, server version and uptime"),
    # doctor telegram: the bot as the Bot API and the logs see it
    Code("PW520", "telegram_bot_info", I, "The bot's identity and webhook as Telegram reports them"),
    Code("PW521", "telegram_token_rejected", E, "Telegram rejects the bot token (401): revoked or wrong"),
    Code("PW522", "telegram_identity_mismatch", E, "The token belongs to another bot than the expected one"),
    Code("PW523", "telegram_webhook_while_polling", E, "A webhook is set while the bot polls (409 Conflict)"),
    Code("PW524", "telegram_webhook_mismatch", E, "The webhook is not set, or points at another deployment"),
    Code("PW525", "telegram_webhook_error", E, "Telegram's last delivery to the webhook failed"),
    Code("PW526", "telegram_pending_updates", W, "Many updates wait at Telegram: the bot is not keeping up"),
    Code("PW527", "telegram_rate_limited", W, "Telegram answered 429 Too Many Requests (retry_after)"),
    Code("PW528", "telegram_bot_blocked", I, "Users blocked the bot or removed it from chats (403)"),
    Code("PW529", "telegram_api_error", E, "The Bot API answered getMe or getWebhookInfo with an error"),
    # backups
    Code("PW601", "backup_archive_damaged", E, "A backup archive does not match its manifest's checksum"),
    Code("PW602", "backup_restore_failed", E, "A backup archive could not be restored on a scratch server"),
    Code("PW603", "backup_schema_mismatch", E, "A restored backup's schema differs from the one recorded"),
    Code("PW604", "backup_row_count_mismatch", E, "A restored backup's row counts differ from the recorded"),
    Code("PW605", "backup_too_old", E, "The newest verified backup is older than backup.max_age"),
    Code("PW606", "backup_cluster_mismatch", E, "A backup was made on another cluster than the live one"),
    Code("PW607", "no_verified_backup", E, "No verified backup exists"),
    Code("PW608", "backup_run_failed", E, "The last scheduled backup run failed"),
)

_BY_KIND = {c.kind: c for c in ALL_CODES}
_BY_CODE = {c.code: c for c in ALL_CODES}


def for_kind(kind: str) -> Code:
    """The registered code of ``kind``; a ``KeyError`` here is a pgwarden bug."""
    return _BY_KIND[kind]


def lookup(code: str) -> Code | None:
    return _BY_CODE.get(code)


def finding(
    kind: str,
    obj: str,
    message: str,
    hint: str = "",
    *,
    source: str,
    severity: Severity | None = None,
    fix_sql: str | None = None,
    evidence: dict[str, Any] | None = None,
) -> Finding:
    """A finding with the code (and, unless given, the severity) registered for ``kind``."""
    code = for_kind(kind)
    return Finding(
        code=code.code,
        kind=kind,
        severity=severity or code.severity,
        object=obj,
        message=message,
        hint=hint,
        fix_sql=fix_sql,
        source=source,
        evidence=evidence if evidence is not None else {},
    )
