"""``pgwarden export``: the Grafana dashboard or the Prometheus alerting rules, on stdout or into a file."""

from __future__ import annotations

from pathlib import Path

import click

from ._state import State


@click.command()
@click.argument("kind", type=click.Choice(["grafana", "alerts"]))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout."
)
@click.pass_obj
def export(state: State, kind: str, output: Path | None) -> int:
    """Write the Grafana dashboard (JSON) or the Prometheus alerting rules (YAML) for pgwarden's /metrics.

    Both use the metric names `pgwarden run --health-port` exports; import the dashboard in Grafana
    (Dashboards > New > Import) and add the rules file to `rule_files` in prometheus.yml.
    """
    from ..console.export import text

    body = text(kind)
    if output is None:
        state.out.write(body)
    else:
        output.write_text(body, encoding="utf-8")
        state.out.write(f"pgwarden export: wrote {output}\n")
    return 0
