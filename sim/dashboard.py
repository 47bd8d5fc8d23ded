"""`allysim dashboard`: serve the interactive dashboard (`sim/app.py`) with `solara run`, offline.

The page's JavaScript and CSS come from a local cache filled from the npm registry
(`scripts/solara_assets.py`), since the public CDN Solara would use is not reachable everywhere;
telemetry, the version check and Solara's files in the home folder are switched off or kept
in the project.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import subprocess
import sys
import threading
import webbrowser
from pathlib import Path

from sim.arguments import count

ROOT = Path(__file__).resolve().parents[1]
APP = Path(__file__).resolve().with_name("app.py")
ASSETS_SCRIPT = ROOT / "scripts" / "solara_assets.py"
ASSET_CACHE = ROOT / ".cache" / "solara-assets"
SOLARA_HOME = ROOT / ".cache" / "solara-home"


def add_command(subparsers) -> None:
    parser = subparsers.add_parser("dashboard", help="serve the interactive dashboard in the browser")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=count(1, 65535), default=8765, help="port (default 8765)")
    parser.add_argument("--no-open", action="store_true", help="do not open a browser")
    parser.set_defaults(handler=cmd_dashboard)


def exposure_warning(host: str) -> str | None:
    """A warning when the dashboard listens beyond this machine: it has no login, and anyone
    who reaches the port can run the model on it."""
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        return None
    return (f"allysim: warning: the dashboard on {host} is open to every machine that can reach this one, "
            "without a login; use it on a trusted network, or keep the default 127.0.0.1")  # fmt: skip


def ensure_assets(cache: Path = ASSET_CACHE) -> None:
    """Fill the asset cache if anything is missing (a no-op when it is complete)."""
    subprocess.run([sys.executable, str(ASSETS_SCRIPT), "--cache", str(cache), "--quiet"], check=True)


def server_environment(cache: Path = ASSET_CACHE) -> dict[str, str]:
    SOLARA_HOME.mkdir(parents=True, exist_ok=True)
    # solara warns on every page load that is not addressed as "localhost" (127.0.0.1 is not),
    # about cookies for embedding the page in another site's frame: not our case
    warnings = [os.environ.get("PYTHONWARNINGS", ""), "ignore:Cookies with samesite=none:UserWarning"]
    return {
        **os.environ,
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_HOME": str(SOLARA_HOME),
        "PYTHONWARNINGS": ",".join(w for w in warnings if w),
    }


def server_command(host: str, port: int) -> list[str]:
    solara = [sys.executable, "-m", "solara", "run", str(APP)]
    return solara + ["--host", host, "--port", str(port), "--production", "--no-open", "--no-check-version"]


def cmd_dashboard(args: argparse.Namespace) -> int:
    try:
        ensure_assets()
    except subprocess.CalledProcessError as exc:
        print(f"allysim: error: could not fill the asset cache {ASSET_CACHE} (exit {exc.returncode})",
              file=sys.stderr)  # fmt: skip
        return 1
    warning = exposure_warning(args.host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    url = f"http://{args.host}:{args.port}/"
    print(f"Dashboard at {url} (Ctrl-C stops it)", flush=True)
    if not args.no_open:  # solara's own --open would race the server's start
        opener = threading.Timer(2.5, webbrowser.open, [url])
        opener.daemon = True
        opener.start()
    server = subprocess.Popen(server_command(args.host, args.port), env=server_environment(), cwd=ROOT)
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())  # a stopped command leaves no server
    try:
        code = server.wait()
        return 128 - code if code < 0 else code  # stopped by a signal: the shell's convention
    except KeyboardInterrupt:
        server.terminate()
        server.wait(timeout=10)
        return 0
