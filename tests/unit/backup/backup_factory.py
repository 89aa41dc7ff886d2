"""A manifest factory the backup unit tests share."""

from __future__ import annotations

from pgwarden.backup.manifest import Manifest, TableCount


def manifest(
    ident: str = "app-20250301-023000", *, started: str = "2025-03-01T02:30:00Z", **kw: object
) -> Manifest:
    values: dict[str, object] = {
        "id": ident,
        "file": f"{ident}.dump",
        "database": "bot@db:5432/app",
        "dbname": "app",
        "size": 4,
        "sha256": "0" * 64,
        "server_version": "16.2",
        "server_version_num": 160002,
        "system_identifier": "7310926438147193416",
        "dump_version": "16.2",
        "dump_major": 16,
        "schema_fingerprint": "f" * 64,
        "tables": {"public.t": TableCount(3, True)},
        "pgwarden_version": "0.1.0",
        "started_at": started,
        "finished_at": started,
        "duration_s": 1.0,
    }
    values.update(kw)
    return Manifest(**values)  # type: ignore[arg-type]
