"""What pyproject.toml cannot say: the shipped scenarios live in configs/scenarios/, where the
README, the sweeps and the tests name them, and a wheel installs them inside the package as
sim/configs/scenarios/ (found by sim/shipped.py), so that an installed allysim runs the baseline
and serves the dashboard from any folder."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["sim*"]), "sim.configs.scenarios"],
    package_dir={"sim.configs.scenarios": "configs/scenarios"},
    package_data={"sim.configs.scenarios": ["*.yaml"]},
)
