"""`allysim dashboard` says when it listens beyond this machine."""

from __future__ import annotations

import socket

import pytest

from sim.dashboard import exposure_warning, shown_host


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "[::]", "myhost.example"])
def test_listening_beyond_this_machine_prints_a_warning(host):
    warning = exposure_warning(host)
    assert warning.startswith("allysim: warning: ") and host in warning and "trusted network" in warning


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_this_machine_only_is_silent(host):
    assert exposure_warning(host) is None


def test_an_address_on_every_interface_is_printed_as_one_a_browser_can_open():
    assert shown_host("127.0.0.1") == "127.0.0.1" and shown_host("localhost") == "localhost"
    shown = shown_host("0.0.0.0")
    assert shown != "0.0.0.0"
    with socket.socket() as s:  # it is an address of this machine (or its name)
        s.bind((socket.gethostbyname(shown), 0))
