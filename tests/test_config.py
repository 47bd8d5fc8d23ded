"""Scenario loading under hostile input: bounded files, no aliases, a capped `extends:` chain that
stays in its folder tree, short echoes, finite numbers, consistent dates; every bad file gives
one line and exit 2, never a traceback or a hang. A property test generates such files."""

from __future__ import annotations

import pytest
from conftest import BASELINE
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.config import MAX_EXTENDS, MAX_FILE_BYTES

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_an_alias_bomb_is_refused_at_once_in_one_short_line(tmp_path, capsys):
    from sim.isolation import time_limit

    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)  # 9^9 strings once expanded
    with time_limit(20, "checking an alias bomb"):  # a TimeoutError fails the test rather than hanging it
        code = main(["check", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and len(err) < 300
    assert "anchors (&name) are not accepted" in err and "line 1" in err


@pytest.mark.parametrize(
    "text, words",
    [
        ("x" * (MAX_FILE_BYTES + 1), "file too large"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper than"),
        ("name: caf\xe9\n", "not UTF-8 text"),
        ("extends: {base}\nname: x\nstart: 2019-02-30\n", "line 3, column 8: '2019-02-30' is not a date"),
        ("extends: {base}\nname: x\nhosts: {{japan: {{troops: 1.0e+30}}}}\n", "hosts.japan.troops"),
        ("extends: {base}\nname: x\nhosts: {{japan: {{demand_usd_bn: .inf}}}}\n", "finite number"),
        ("extends: {base}\nname: x\npatron: {{strategy: {{name: boulware, params: {{beta: .nan}}}}}}\n",
         "finite number"),
        ("extends: {base}\nname: x\npatron: {{loss_aversion: .inf}}\n", "patron.loss_aversion"),
        ("extends: {base}\nname: x\npatron: {{strategy: {{name: boulware, params: {{beta: 0}}}}}}\n",
         "patron.strategy: boulware fails a rehearsal: ZeroDivisionError"),
        ("extends: {base}\nname: \"a\\0b\"\n", "not a plain name"),
        ("extends: \"{base}\\0\"\nname: x\n", "is not a path"),
        ("extends: ../../elsewhere.yaml\nname: x\n", "lies outside"),
        ("extends: {base}\nname: x\nhosts: {{japan: {{talks_open: 2030-01-01}}}}\n", "is after agreement_expires"),
        ("extends: {base}\nname: x\nhosts: {{japan: {{agreement_expires: 2001-01-01, talks_open: 2000-01-01}}}}\n",
         "agreement_expires: 2001-01-01 is before the start"),
        ("extends: {base}\nname: x\npatron: {{elections: [2001-01-01]}}\n", "patron.elections: 2001-01-01 is before"),
        ("extends: {base}\nname: x\npatron: {{elections: [2021-01-01, 2020-01-01]}}\n", "not in date order"),
        ("extends: {base}\nname: x\nstart: 9999-01-01\n", "outside 1900-01-01"),
        ("extends: {base}\nname: x\nhosts: {{japan: {{public: " + "m" * 100_000 + "}}}}\n", "..."),
        ("extends: {base}\nname: x\npatron:\n  discount: 0.9\n  discount: 0.8\n",
         "line 5, column 3: the key 'discount' is given twice (first on line 4)"),
    ],
    ids=["huge", "deep", "latin-1", "impossible date", "troops 1e30", "inf", "nan", "inf utility", "beta 0",
         "NUL in name", "NUL in extends", "extends outside", "talks after expiry", "expiry before start",
         "election before start", "elections out of order", "year 9999", "long echo", "a key twice"],
)  # fmt: skip
def test_a_bad_file_gives_one_short_line_and_exit_2(tmp_path, capsys, text, words):
    path = tmp_path / "sub" / "bad.yaml"
    path.parent.mkdir()
    path.write_bytes(text.format(base=BASELINE).encode("latin-1" if "\xe9" in text else "utf-8"))
    code, err = main(["check", str(path)]), capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("allysim: error: "), err[-2000:]
    assert words in err and len(err) < 500


def test_a_misspelt_key_lists_every_key_accepted_there(tmp_path, capsys):
    from sim.schema import Host

    path = tmp_path / "bad.yaml"
    path.write_text(f"extends: {BASELINE}\nname: x\nhosts: {{japan: {{trops: 5}}}}\n")
    code, err = main(["check", str(path)]), capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "hosts.japan.trops: unknown key; did you mean troops?" in err
    assert err.rstrip().endswith(", ".join(Host.model_fields)), err


def test_binary_file(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    code, err = main(["check", str(path)]), capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and ("not UTF-8" in err or "invalid YAML" in err)


def test_a_long_extends_chain_is_cut_with_one_line(tmp_path, capsys):
    for i in range(1200):
        (tmp_path / f"c{i}.yaml").write_text(f"extends: c{i + 1}.yaml\n")
    (tmp_path / "c1200.yaml").write_text(f"extends: {BASELINE}\nname: x\n")
    code, err = main(["check", str(tmp_path / "c0.yaml")]), capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and f"longer than {MAX_EXTENDS} files" in err


def test_extends_reads_in_its_folder_tree_and_absolute_paths_anywhere(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "mine.yaml").write_text(f"extends: {BASELINE}\nname: mine\n")
    (tmp_path / "variant.yaml").write_text("extends: base/mine.yaml\nname: variant\n")
    assert main(["check", str(tmp_path / "variant.yaml")]) == 0


def test_a_set_value_that_is_not_a_date_or_too_long_is_one_line(capsys):
    assert main(["check", str(BASELINE), "--set", "start=2019-02-30"]) == 2
    assert main(["check", str(BASELINE), "--set", "name=" + "x" * 20_000]) == 2
    assert main(["check", str(BASELINE), "--set", "hosts.japan.troops=*a"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3 and all(len(line) < 400 for line in lines)


# ------------------------------------------------------------------ any file, any --set: a run or one line

KEYS = ["name", "start", "rounds", "citizens", "information", "patron.transactionalism", "patron.discount",
        "patron.loss_aversion", "patron.strategy", "patron.strategy.params.beta", "patron.elections",
        "hosts.japan.troops", "hosts.japan.troop_floor", "hosts.japan.demand_usd_bn", "hosts.japan.talks_open",
        "hosts.japan.agreement_expires", "hosts.south_korea.elections", "hosts.south_korea.public",
        "publics.japan.groups", "rival.memory", "modules.publics", "calendar", "extends", "nowhere.key"]  # fmt: skip
VALUES = st.one_of(
    st.integers(-(10**40), 10**40), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
    st.text(max_size=30), st.dates().map(str), st.sampled_from(["boulware", "nash", "2019-02-30", "&a x", "*a",
    "[1, 2", "{a: 1}", ".inf", ".nan", "-1", "1e30", "0", "0.5", "~", "!!python/object:os.system x"]),
    st.lists(st.integers(-5, 5), max_size=3),
)  # fmt: skip


def _nested(changes) -> dict:
    data: dict = {}
    for key, value in changes:
        node, keys = data, key.split(".")
        for part in keys[:-1]:
            node = node.setdefault(part, {}) if isinstance(node.get(part, {}), dict) else {}
        node[keys[-1]] = value
    return data


@settings(max_examples=60, deadline=None)
@given(changes=st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=3),
       sets=st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=2), raw=st.binary(max_size=40))  # fmt: skip
def test_any_file_and_any_set_give_a_run_or_one_line_with_exit_2(changes, sets, raw):
    import contextlib
    import io
    import tempfile
    from pathlib import Path

    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = {"extends": str(BASELINE), "rounds": 3, "citizens": 50, **_nested(changes)}
        path = folder / "generated.yaml"
        path.write_bytes(yaml.safe_dump(data).encode() + raw)
        args = ["run", str(path), "--no-plot", "--out", str(folder / "out")]
        for key, value in sets:
            args += ["--set", f"{key}={value}"]
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(args)  # an exception here (a traceback) fails the test
        if code == 0:
            assert (folder / "out" / "summary.json").is_file()
        else:
            assert code == 2 and err.getvalue().count("\n") == 1, err.getvalue()[-3000:]
            assert err.getvalue().startswith("allysim: error: ")
            assert not (folder / "out").exists()


@pytest.mark.parametrize(
    "rename, words",
    [("patron", "'patron' is not a host's name"), ("a.b", "'a.b' is not a host's name"),
     ("", "'' is not a host's name"), ("united_states", "united_states is the name of the patron"),
     ("china", "china is the name of the rival"), ("日本", None)],
)  # fmt: skip
def test_a_host_is_named_so_that_its_columns_and_utility_are_its_own(tmp_path, capsys, rename, words):
    """A host's name prefixes its columns (`<host>.<column>`) and keys its utility beside the
    patron's and the rival's: one that would share them is refused, any alphabet's is taken."""
    import yaml

    from sim.config import load_scenario

    data = load_scenario(BASELINE).model_dump(mode="json")
    data["hosts"][rename] = data["hosts"].pop("japan")
    for bill in data["calendar"]["floor_bills"] + data["calendar"]["security_shocks"]:
        bill["host"] = rename if bill["host"] == "japan" else bill["host"]
    path = tmp_path / "renamed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, err = main(["check", str(path)]), capsys.readouterr().err
    if words is None:
        assert code == 0, err
    else:
        assert code == 2 and err.count("\n") == 1 and words in err, err
