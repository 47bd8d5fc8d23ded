"""`sim.stopping`: SIGTERM raised as an interrupt in the main thread, with the shells' exit codes."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from sim.stopping import Stopped, exit_code, sigterm_as_interrupt


def test_the_exit_codes_are_the_shells():
    assert exit_code(KeyboardInterrupt()) == 130
    assert exit_code(Stopped(signal.SIGTERM)) == 143


def test_sigterm_in_the_block_is_an_interrupt_and_the_handler_is_restored_after():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Stopped) as caught, sigterm_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        signal.sigtimedwait([], 0)  # a handler runs at the next bytecode; this is only a pause
    assert isinstance(caught.value, KeyboardInterrupt) and caught.value.signum == signal.SIGTERM
    assert str(caught.value) == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_second_sigterm_during_the_clean_up_is_ignored():
    with pytest.raises(Stopped), sigterm_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        signal.sigtimedwait([], 0)
    # the first one set SIGTERM to be ignored while the block unwound; the block then restored it
    assert signal.getsignal(signal.SIGTERM) is not signal.SIG_IGN


def test_outside_the_main_thread_nothing_is_installed():
    seen = []

    def work():
        with sigterm_as_interrupt():
            seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [before]
