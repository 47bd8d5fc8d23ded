"""Fill the cache of front-end assets that `solara run` serves, from the npm registry.

A Solara page loads its JavaScript and CSS through the server's `/_solara/cdn/` proxy, which
would fetch them from a public CDN that these machines cannot reach. The proxy reads its cache
(SOLARA_ASSETS_PROXY_CACHE_DIR) first, and the cache is simply each npm tarball unpacked into
`<cache>/<name>@<version>/`. The exact versions are read from the installed solara package, so
they always match it. Idempotent: packages already unpacked are skipped. Needs only `npm` and
`tar`; run with the project's Python (the one that has solara installed):

    .venv/bin/python scripts/solara_assets.py [--cache .cache/solara-assets]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = ROOT / ".cache" / "solara-assets"

# What a SolaraViz page with matplotlib plots loads (Vue 2 build: ipyvue/ipyvuetify < 3).
# Altair plots would also need vega@5, vega-lite@5 and vega-embed@6.
NEEDED = ("@widgetti/solara-vuetify-app", "@widgetti/vue-grid-layout", "font-awesome", "requirejs")
SOURCE_SUFFIXES = {".py", ".vue", ".j2", ".html", ".js"}
EXACT_VERSION = r"@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)(?=[/\"'`\s])"


def solara_dir() -> Path:
    spec = importlib.util.find_spec("solara")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"solara_assets: {sys.executable} has no solara; run this with the project's Python")
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
            sys.exit(f"solara_assets: expected one version of {name} in {package_dir}, found {sorted(seen)}")
        versions[name] = seen.pop()
    return versions


def fill(cache: Path, versions: dict[str, str]) -> list[str]:
    """Download and unpack the missing packages; returns the `name@version` strings added."""
    missing = [f"{n}@{v}" for n, v in versions.items() if not (cache / f"{n}@{v}" / "package.json").exists()]
    if not missing:
        return []
    if shutil.which("npm") is None:
        sys.exit("solara_assets: npm is needed to fetch " + ", ".join(missing) + " (apt-get install npm)")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="solara-assets-") as tmp:
        packed = subprocess.run(
            ["npm", "pack", *missing, "--json", "--pack-destination", tmp],
            check=True, capture_output=True, text=True, cwd=tmp,
        )  # fmt: skip
        packs = json.loads(packed.stdout)
        tarballs = {f"{p['name']}@{p['version']}": Path(tmp, p["filename"]) for p in packs}
        for spec in missing:
            # unpack beside the target, then rename: an interrupted run leaves no half folder
            staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=cache))
            try:
                unpack = ["tar", "xzf", str(tarballs[spec]), "--strip-components=1", "-C", str(staging)]
                subprocess.run(unpack, check=True, capture_output=True, text=True)
                target = cache / spec
                target.parent.mkdir(parents=True, exist_ok=True)  # the @scope/ folder
                shutil.rmtree(target, ignore_errors=True)
                staging.rename(target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    return missing


def ensure(cache: Path = DEFAULT_CACHE) -> list[str]:
    """Make sure every asset the installed solara needs is in `cache`."""
    return fill(cache, pinned_versions(solara_dir()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"default {DEFAULT_CACHE}")
    parser.add_argument("--quiet", action="store_true", help="print nothing when all is there")
    args = parser.parse_args(argv)
    try:
        added = ensure(args.cache.resolve())
    except subprocess.CalledProcessError as exc:
        sys.exit(f"solara_assets: {' '.join(exc.cmd[:3])} ... failed:\n{exc.stderr or ''}")
    if added:
        print(f"solara_assets: added {', '.join(added)} to {args.cache}")
    elif not args.quiet:
        print(f"solara_assets: {args.cache} is complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
