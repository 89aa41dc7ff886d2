"""One way to bind a listening socket for the console and the guardian's endpoints, one sentence when refused."""

from __future__ import annotations

import io
import socket

import pytest

from pgwarden.cli import main
from pgwarden.errors import ConfigError
from pgwarden.listen import bind, is_loopback, url_of


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("127.8.0.1") and is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.5") and not is_loopback("example.org")


def test_port_zero_picks_a_free_port_and_the_url_says_which() -> None:
    with bind("127.0.0.1", 0, serving="a test", settings="--port") as sock:
        port = sock.getsockname()[1]
        assert port > 0 and url_of(sock) == f"http://127.0.0.1:{port}"
        assert not sock.getblocking()


def test_a_taken_port_is_one_sentence_naming_the_address_and_the_setting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError) as caught:
            bind("127.0.0.1", port, serving="the console", settings="--host / --port")
    message = str(caught.value)
    assert message == (
        f"Cannot listen on 127.0.0.1:{port} for the console (Address already in use): choose another "
        "address with --host / --port, or stop the program that holds the port."
    )


def test_an_address_that_is_not_this_machines_is_the_same_sentence() -> None:
    with pytest.raises(ConfigError, match=r"Cannot listen on 192\.0\.2\.1:0 for the console \(.*\): choose"):
        bind("192.0.2.1", 0, serving="the console", settings="--host / --port")


def test_the_console_command_says_it_and_exits_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        err = io.StringIO()
        code = main(
            ["console", "--db", "postgresql://nobody@127.0.0.1:1/x", "--port", str(port)], io.StringIO(), err
        )
    assert code == 2 and f"127.0.0.1:{port}" in err.getvalue() and "--host / --port" in err.getvalue()
    assert "Traceback" not in err.getvalue()
