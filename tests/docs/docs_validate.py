"""Every capability's own validation of a configuration file, as the commands would run it."""

from __future__ import annotations

from pathlib import Path

from pgwarden import backup, config
from pgwarden.checks import load_invariants
from pgwarden.checks.options import options_from_config
from pgwarden.lint.settings import settings_from
from pgwarden.migrate import settings as migrate_settings
from pgwarden.runtime.alerts import AlertSettings
from pgwarden.runtime.settings import RuntimeSettings


def validate_config(path: Path) -> config.Config:
    """Load ``path`` and build every section's settings; a ``ConfigError`` names the file and key."""
    cfg = config.load(path)
    migrate_settings.from_config(cfg)
    settings_from(cfg)
    load_invariants(cfg)
    options_from_config(cfg)
    RuntimeSettings.from_config(cfg)
    AlertSettings.from_config(cfg)
    backup.from_config(cfg)
    return cfg
