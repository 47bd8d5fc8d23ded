"""What pyproject.toml cannot say: the shipped scenarios, calibration cases and calibrations live
in configs/, where the README, the sweeps and the tests name them, and a wheel installs them
inside the package as sim/configs/ (found by sim/shipped.py and sim/calibration/spec.py), so that
an installed allysim runs the baseline, serves the dashboard and calibrates from any folder."""

from setuptools import find_packages, setup

SHIPPED = ("scenarios", "cases", "calibration")

setup(
    packages=[*find_packages(include=["sim*"]), *(f"sim.configs.{name}" for name in SHIPPED)],
    package_dir={f"sim.configs.{name}": f"configs/{name}" for name in SHIPPED},
    package_data={f"sim.configs.{name}": ["*.yaml"] for name in SHIPPED},
)
