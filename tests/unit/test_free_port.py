"""The tests' own port chooser: two ports asked for in a row are never the same."""

from __future__ import annotations

from tests.processes import PORT_BLOCK, free_port


def test_ports_asked_for_before_anything_binds_them_are_all_different() -> None:
    ports = [free_port() for _ in range(PORT_BLOCK // 3)]

    assert len(set(ports)) == len(ports)
