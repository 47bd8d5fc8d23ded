"""The dashboard page's scripts and styles: fetched from the npm registry into a local cache.

A Solara page loads its JavaScript and CSS through the server's `/_solara/cdn/` proxy, which
would fetch them from a public CDN that is not reachable everywhere. The proxy reads its cache
(SOLARA_ASSETS_PROXY_CACHE_DIR) first, and the cache is simply each npm tarball unpacked into
`<cache>/<name>@<version>/`. The exact versions are read from the installed solara package, so
they always match it. Fetching needs `npm` and `tar`; `allysim dashboard --fetch-assets` does it.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

# What a SolaraViz page with matplotlib plots loads (Vue 2 build: ipyvue/ipyvuetify < 3).
# Altair plots would also need vega@5, vega-lite@5 and vega-embed@6.
NEEDED = ("@widgetti/solara-vuetify-app", "@widgetti/vue-grid-layout", "font-awesome", "requirejs")
SOURCE_SUFFIXES = {".py", ".vue", ".j2", ".html", ".js"}
EXACT_VERSION = r"@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)(?=[/\"'`\s])"


class AssetError(Exception):
    """Assets that cannot be known or fetched, in one line: what is missing and what to do."""


def solara_dir() -> Path:
    spec = importlib.util.find_spec("solara")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise AssetError("the dashboard needs solara, which is not installed: pip install 'allysim[dashboard]'")
    return Path(next(iter(spec.submodule_search_locations)))


def pinned_versions(package_dir: Path) -> dict[str, str]:
    """`name -> version` for each NEEDED package, from the `name@version` strings in solara's
    sources (its documentation pages under website/ are not what it serves)."""
    patterns = {name: re.compile(re.escape(name) + EXACT_VERSION) for name in NEEDED}
    found: dict[str, set[str]] = {name: set() for name in NEEDED}
    for path in package_dir.rglob("*"):
        if path.suffix not in SOURCE_SUFFIXES or "website" in path.relative_to(package_dir).parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for name, pattern in patterns.items():
            found[name].update(pattern.findall(text))
    versions = {}
    for name, seen in found.items():
        if len(seen) != 1:
            raise AssetError(f"expected one version of {name} in {package_dir}, found {sorted(seen)}")
        versions[name] = seen.pop()
    return versions


def complete(folder: Path) -> bool:
    return (folder / "package.json").exists()


def missing(cache: Path) -> list[str]:
    """The `name@version` of each asset package the installed solara needs and `cache` lacks."""
    specs = [f"{name}@{version}" for name, version in pinned_versions(solara_dir()).items()]
    return [spec for spec in specs if not complete(cache / spec)]


def fetch(cache: Path, specs: list[str]) -> None:
    """Download the packages `specs` with `npm pack` and unpack each into `cache`."""
    if shutil.which("npm") is None:
        raise AssetError("npm is needed to fetch " + ", ".join(specs) + " from the npm registry (apt-get install npm)")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="allysim-assets-") as tmp:
        try:
            packed = subprocess.run(
                ["npm", "pack", *specs, "--json", "--pack-destination", tmp],
                check=True, capture_output=True, text=True, cwd=tmp,
            )  # fmt: skip
        except subprocess.CalledProcessError as exc:
            reason = (exc.stderr or "").strip().splitlines()
            raise AssetError(f"npm pack failed (exit {exc.returncode}): {reason[-1] if reason else ''}") from None
        tarballs = {f"{p['name']}@{p['version']}": Path(tmp, p["filename"]) for p in json.loads(packed.stdout)}
        for spec in specs:
            unpack(tarballs[spec], cache / spec)


def unpack(tarball: Path, target: Path) -> None:
    """Unpack beside the target, then rename: an interrupted run leaves no half folder, and two
    processes filling one cache at once both end with a complete one."""
    target.parent.mkdir(parents=True, exist_ok=True)  # the @scope/ folder
    staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=target.parent))
    try:
        command = ["tar", "xzf", str(tarball), "--strip-components=1", "-C", str(staging)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise AssetError(f"tar could not unpack {tarball.name} into {target.parent}: {done.stderr.strip()[:200]}")
        if not complete(target):
            shutil.rmtree(target, ignore_errors=True)
            try:
                staging.rename(target)
            except OSError:
                if not complete(target):  # not another process's complete copy
                    raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
