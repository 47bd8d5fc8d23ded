"""`sim.isolation`: the time limit, where a fault lies (the traceback's innermost frame in a
strategy file, a strategy's method, a policy's answer), a faulthandler dump read, and jobs run
each in a process of its own (a result, a raise, an exit, a dead process, a hang)."""

from __future__ import annotations

import operator
import os
import runpy
import sys
import threading
import time

import pytest

from sim import isolation, policies
from sim.experiment.runner import worker_context
from sim.strategies import HOST, Situation, Strategy


def test_the_time_limit_stops_the_main_thread_at_its_time_and_then_never_again():
    started = time.monotonic()
    with pytest.raises(isolation.TimeLimit, match="the test took longer than 0.2 s") as caught:
        with isolation.time_limit(0.2, "the test"):
            time.sleep(5)
    assert 0.15 < time.monotonic() - started < 2 and caught.value.seconds == 0.2
    assert isinstance(caught.value, TimeoutError)
    with isolation.time_limit(0.2, "a quick block"):
        pass
    time.sleep(0.4)  # the alarm was cleared with the block: nothing fires here


def test_the_time_limit_is_a_no_op_outside_the_main_thread():
    errors = []

    def work():
        try:
            with isolation.time_limit(0.05, "a thread"):
                time.sleep(0.2)
        except BaseException as exc:  # noqa: BLE001  (any exception is the failure)
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors == []


def raising_file(tmp_path, body: str):
    path = tmp_path / "student.py"
    path.write_text(body)
    return path


def test_a_fault_is_the_last_line_and_the_innermost_frame_in_the_files(tmp_path):
    code = "def inner():\n    return {}['x']\n\n\ndef outer():\n    return inner()\n\n\nouter()\n"
    path = raising_file(tmp_path, code)
    with pytest.raises(KeyError) as caught:
        runpy.run_path(str(path))
    fault = isolation.describe(caught.value, [path])
    assert fault.reason == "KeyError: 'x'"
    assert (fault.line, fault.function, fault.where) == (2, "inner", "student.py, line 2")
    elsewhere = isolation.describe(caught.value, [])
    assert elsewhere.file is None and elsewhere.where == "outside the strategy files"


class Broken(Strategy):
    name = "broken_isolation_test"

    def target(self, s):
        return 1 / 0


def test_a_fault_in_a_strategys_method_names_the_strategy_and_its_side():
    s = Situation(HOST, 1.0, 1.8, 0, 12)
    with pytest.raises(ZeroDivisionError) as caught:
        Broken().offer(s)
    fault = isolation.describe(caught.value, [])
    assert (fault.strategy, fault.side, fault.function) == ("broken_isolation_test", HOST, "target")
    assert fault.file == __file__ and fault.reason.startswith("ZeroDivisionError")


def test_a_policys_wrong_answer_is_located_where_it_was_given():
    class Odd(policies.Policy):
        def hedging(self, model, host, target):
            return "much"  # the line that answered

    with pytest.raises(policies.PolicyError) as caught:
        policies.hedging_target(Odd(), None, type("Host", (), {"name": "japan"})(), 0.2)
    fault = isolation.describe(caught.value, [])
    line = next(i for i, text in enumerate(open(__file__), 1) if "# the line that answered" in text)
    assert (fault.file, fault.line, fault.function) == (__file__, line, "hedging")


def test_a_dump_names_the_innermost_frame_in_the_files(tmp_path):
    mine = str(tmp_path / "mine.py")
    text = (f'Thread 0x1 (most recent call first):\n  File "/usr/lib/python3.13/time.py", line 9 in sleep\n'
            f'  File "{mine}", line 38 in target\n  File "{mine}", line 50 in offer\n')  # fmt: skip
    assert isolation.describe_dump(text, [tmp_path / "mine.py"], 3) == isolation.Fault(
        "took longer than 3 s", mine, 38, "target"
    )
    assert isolation.describe_dump(text, [], 3) == isolation.Fault("took longer than 3 s")


def isolated(jobs, files=(), limit=30.0, workers=2, skip=None):
    return {key: (value, fault) for key, value, fault in isolation.run_isolated(
        jobs, list(files), limit, workers, worker_context(), skip)}  # fmt: skip


def test_each_job_in_its_own_process_gives_its_result_or_its_fault(tmp_path):
    path = raising_file(tmp_path, "import sys\n\nx = 1\nraise ValueError('at line four')\n")
    jobs = [isolation.Job("sum", operator.add, (2, 3)), isolation.Job("raises", runpy.run_path, (str(path),)),
            isolation.Job("exits", sys.exit, (3,)), isolation.Job("dies", os._exit, (4,)),
            isolation.Job("skipped", operator.add, (1, 1))]  # fmt: skip
    done = isolated(iter(jobs), [path], skip=lambda key: key == "skipped")
    assert set(done) == {"sum", "raises", "exits", "dies"}
    assert done["sum"] == (5, None)
    assert done["raises"][1].reason == "ValueError: at line four" and done["raises"][1].line == 4
    assert done["exits"][1].reason == "SystemExit: 3"
    assert done["dies"][1] == isolation.Fault("ended without a result (exit code 4)")


@pytest.mark.slow
def test_a_job_that_does_not_stop_itself_is_ended_after_its_limit():
    started = time.monotonic()
    done = isolated([isolation.Job("hangs", time.sleep, (600,))], limit=0.5, workers=1)
    assert done["hangs"] == (None, isolation.Fault("took longer than 0.5 s"))
    assert time.monotonic() - started < 0.5 + 3 * isolation.GRACE_SECONDS
