"""Where `kairos-stack up` puts the gateway: KAIROS_GATEWAY_PORT, else 8080 when free, else
any free port; a port is looked at (bound), never assumed free."""

import socket
from collections.abc import Iterator

import pytest

from kairos_localstack.ports import free_port
from kairos_localstack.proc import StartupError
from kairos_localstack.stack import choose_gateway_port, gateway_port_from_env


@pytest.fixture
def taken() -> Iterator[int]:
    """A port something listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_the_env_names_the_port() -> None:
    assert gateway_port_from_env({}) is None
    assert gateway_port_from_env({"KAIROS_GATEWAY_PORT": " "}) is None
    assert gateway_port_from_env({"KAIROS_GATEWAY_PORT": "18080"}) == 18080
    for bad in ("http", "-1", "0", "70000"):
        with pytest.raises(StartupError, match="KAIROS_GATEWAY_PORT"):
            gateway_port_from_env({"KAIROS_GATEWAY_PORT": bad})


def test_a_pinned_port_is_used_or_refused_when_taken(taken: int) -> None:
    free = free_port()
    assert choose_gateway_port(free, 8080) == free
    with pytest.raises(StartupError, match=str(taken)):
        choose_gateway_port(taken, None)


def test_the_preferred_port_when_free_else_any(taken: int) -> None:
    free = free_port()
    assert choose_gateway_port(None, free) == free
    other = choose_gateway_port(None, taken)
    assert other != taken
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", other))  # really free
    assert choose_gateway_port(None, None) not in (0, taken)
