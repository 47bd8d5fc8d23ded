"""`allysim dashboard` says when it listens beyond this machine."""

from __future__ import annotations

import pytest

from sim.dashboard import exposure_warning


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "[::]", "myhost.example"])
def test_listening_beyond_this_machine_prints_a_warning(host):
    warning = exposure_warning(host)
    assert warning.startswith("allysim: warning: ") and host in warning and "trusted network" in warning


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_this_machine_only_is_silent(host):
    assert exposure_warning(host) is None
