import socket

from kairos_localstack.ports import free_port, port_open


def test_free_ports_are_bindable_distinct_and_closed() -> None:
    ports = [free_port() for _ in range(20)]
    assert len(set(ports)) == len(ports)
    for port in ports:
        assert not port_open("127.0.0.1", port, timeout=0.2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports[0]))
        s.listen()
        assert port_open("127.0.0.1", ports[0])
