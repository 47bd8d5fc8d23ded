"""What a normal install needs: the metadata files agree with pyproject.toml."""

from __future__ import annotations

import tomllib

import yaml
from conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_citation_names_the_package_s_version_and_licence():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["title"].startswith("allysim")
    assert citation["version"] == PROJECT["version"] and citation["license"] == PROJECT["license"] == "MIT"
    assert "MIT License" in (ROOT / "LICENSE").read_text()
