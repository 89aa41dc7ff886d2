"""``pgwarden health``: ask a running guardian's endpoint whether it is ready (or live); for Docker HEALTHCHECK."""

from __future__ import annotations

from urllib.parse import urlsplit

import click
import httpx

from ._state import State

_ENDPOINTS = ("/health/live", "/health/ready")


def endpoint_url(url: str, *, live: bool) -> str:
    """``http://127.0.0.1:8080`` -> ``http://127.0.0.1:8080/health/ready``; a full endpoint URL is kept."""
    if "://" not in url:
        url = "http://" + url
    path = urlsplit(url).path.rstrip("/")
    if path.endswith(_ENDPOINTS):
        return url
    return url.rstrip("/") + ("/health/live" if live else "/health/ready")


@click.command()
@click.option(
    "--url",
    required=True,
    metavar="URL",
    help="Where the guardian serves its endpoints, e.g. http://127.0.0.1:8080 (runtime.health_port).",
)
@click.option(
    "--token",
    envvar="PGWARDEN_HEALTH_TOKEN",
    metavar="TOKEN",
    help="Bearer token, when the endpoints need one (default: $PGWARDEN_HEALTH_TOKEN).",
)
@click.option(
    "--live", is_flag=True, help="Ask /health/live (is it making progress?) instead of /health/ready."
)
@click.option("--timeout", type=float, default=5.0, show_default=True, help="Seconds to wait for an answer.")
@click.pass_obj
def health(state: State, url: str, token: str | None, live: bool, timeout: float) -> int:
    """Exit 0 when the guardian answers 200 on /health/ready (or /health/live), 1 when it answers 503.

    Exit 3 when nothing answers, 2 when the endpoint wants a token that was not given or is wrong.
    Prints the reasons the guardian gives. Meant for a Docker HEALTHCHECK:
    `HEALTHCHECK CMD pgwarden health --url http://127.0.0.1:8080`.
    """
    target = endpoint_url(url, live=live)
    what = "live" if target.rstrip("/").endswith("/health/live") else "ready"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.get(target, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        state.err.write(
            f"pgwarden: nothing answered at {target} ({type(exc).__name__}); is the guardian running and "
            "is runtime.health_port set to this port?\n"
        )
        return 3
    if response.status_code == 401:
        state.err.write(
            f"pgwarden: {target} wants a bearer token: pass --token or set PGWARDEN_HEALTH_TOKEN "
            "to the token the guardian was given.\n"
        )
        return 2
    try:
        facts = response.json()
    except ValueError:
        facts = {}
    # /health/ready explains itself in "reasons", /health/live in "problems".
    reasons = (facts.get("reasons") or facts.get("problems")) if isinstance(facts, dict) else None
    if response.status_code == 200:
        state.out.write(f"{what}: yes ({target})\n")
        return 0
    if response.status_code == 503:
        state.out.write(f"{what}: no ({target})\n")
        for reason in reasons or []:
            state.out.write(f"  - {reason}\n")
        return 1
    state.err.write(
        f"pgwarden: {target} answered HTTP {response.status_code}; is this a pgwarden endpoint?\n"
    )
    return 1
