"""The Grafana dashboard and the Prometheus alerting rules shipped with pgwarden, for teams that run both."""

from __future__ import annotations

from importlib import resources

__all__ = ["EXPORTS", "text"]

EXPORTS = {"grafana": "grafana.json", "alerts": "alerts.yml"}
"""What ``pgwarden export`` can write, and the packaged file behind each."""


def text(kind: str) -> str:
    """The packaged file for ``kind`` (``grafana`` or ``alerts``), as text."""
    return (
        resources.files(__package__)
        .joinpath("prometheus")
        .joinpath(EXPORTS[kind])
        .read_text(encoding="utf-8")
    )
