"""Telling a direct connection from one through a pooler by the two ends of the TCP connection."""

from __future__ import annotations

import pytest

from pgwarden.pooling import same_connection

OURS = (("127.0.0.1", 50412), ("127.0.0.1", 5432))


def test_the_servers_view_of_our_own_socket_is_the_same_connection() -> None:
    assert same_connection(OURS, ("127.0.0.1", 50412, "127.0.0.1", 5432))


def test_addresses_compare_as_addresses_not_text() -> None:
    ours = (("::1", 40000), ("0:0:0:0:0:0:0:1", 6000))
    assert same_connection(ours, ("0::1", 40000, "::1", 6000))


@pytest.mark.parametrize(
    "theirs",
    [
        # A pooler on this host: the server sees the pooler's socket, and its own port, not the pooler's.
        ("127.0.0.1", 50412, "127.0.0.1", 5433),
        ("127.0.0.1", 39001, "127.0.0.1", 5432),
        # A NAT or a pooler elsewhere: another address.
        ("10.0.0.7", 50412, "127.0.0.1", 5432),
        ("127.0.0.1", 50412, "10.0.0.2", 5432),
        # A Unix socket on the server's side: nothing to compare.
        (None, None, None, None),
        ("127.0.0.1", None, "127.0.0.1", 5432),
        # Not an address at all.
        ("localhost", 50412, "127.0.0.1", 5432),
    ],
)
def test_anything_else_is_left_to_the_probe(theirs: tuple[object, ...]) -> None:
    assert not same_connection(OURS, theirs)
