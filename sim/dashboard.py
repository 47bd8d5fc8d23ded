"""`allysim dashboard`: serve the interactive dashboard (`sim/app.py`) with `solara run`, offline.

The page's JavaScript and CSS come from a local cache filled from the npm registry
(`sim/page_assets.py`), since the public CDN Solara would use is not reachable everywhere: the
first start says that it fetches them, and `--fetch-assets` does only that (to prepare a
machine before it goes offline). Telemetry and the version check are switched off, and
Solara's own files are kept in the same cache, not in the home folder.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from sim.arguments import count

APP = "sim.app"  # served as a module: as a file, solara would put sim/ itself on sys.path


def add_command(subparsers) -> None:
    parser = subparsers.add_parser("dashboard", help="serve the interactive dashboard in the browser")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=count(1, 65535), default=8765, help="port (default 8765)")
    parser.add_argument("--no-open", action="store_true", help="do not open a browser")
    parser.add_argument("--fetch-assets", action="store_true",
                        help=f"only fetch the page's scripts and styles from the npm registry into {cache_folder()} "
                             "(done on the first start otherwise; $ALLYSIM_CACHE moves it)")  # fmt: skip
    parser.set_defaults(handler=cmd_dashboard)


def cache_folder() -> Path:
    """$ALLYSIM_CACHE, else allysim/ in the user's cache folder ($XDG_CACHE_HOME, else ~/.cache):
    one cache for every checkout and installation of allysim, outside any of them."""
    if os.environ.get("ALLYSIM_CACHE"):
        return Path(os.environ["ALLYSIM_CACHE"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "allysim"


def asset_cache() -> Path:
    return cache_folder() / "solara-assets"


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


def shown_host(host: str) -> str:
    """The host to put in the printed address: where the server listens on every interface
    (0.0.0.0, ::), this machine's address on its network (a browser cannot open 0.0.0.0 from
    another machine), else the host as given."""
    try:
        unspecified = ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return host
    if not unspecified:
        return host
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    probe = ("2001:db8::1", 9) if family == socket.AF_INET6 else ("192.0.2.1", 9)  # documentation addresses
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.connect(probe)  # a datagram socket's connect sends nothing: it picks the outgoing interface
            address = s.getsockname()[0]
    except OSError:
        return socket.gethostname()
    return f"[{address}]" if family == socket.AF_INET6 else address


def address_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port (a name that does not resolve, an address
    not of this machine, a port in use), or None: checked before anything is printed or made."""
    import errno
    import socket

    try:
        found = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        return f"--host {host} does not resolve ({exc}); give an address or name of this machine"
    for family, kind, proto, _, address in found[:1]:  # the one the server binds
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return f"port {port} is in use; choose another --port"
                if exc.errno == errno.EADDRNOTAVAIL:
                    return f"--host {host} is not an address of this machine; choose another --host"
                return f"port {port} on {host} cannot be opened ({exc.strerror}); choose another --port"
    return None


def ensure_assets(cache: Path | None = None, say=print) -> list[str]:
    """Fetch whatever the page needs and `cache` lacks, saying so first; returns what was fetched."""
    from sim import page_assets

    cache = cache or asset_cache()
    specs = page_assets.missing(cache)
    if specs:
        say(f"allysim: fetching the dashboard page's scripts and styles (once, about 70 MB) from the npm "
            f"registry into {cache}: {', '.join(specs)}")  # fmt: skip
        page_assets.fetch(cache, specs)
    return specs


def server_environment(cache: Path | None = None) -> dict[str, str]:
    home = cache_folder() / "solara-home"
    home.mkdir(parents=True, exist_ok=True)
    # solara warns on every page load that is not addressed as "localhost" (127.0.0.1 is not),
    # about cookies for embedding the page in another site's frame: not our case
    warnings = [os.environ.get("PYTHONWARNINGS", ""), "ignore:Cookies with samesite=none:UserWarning"]
    return {
        **os.environ,
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache or asset_cache()),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_HOME": str(home),
        "PYTHONWARNINGS": ",".join(w for w in warnings if w),
    }


def server_command(host: str, port: int, app: str = APP) -> list[str]:
    """`solara run` of the app module (the dashboard's by default; the classroom's shares it)."""
    solara = [sys.executable, "-m", "solara", "run", app]
    return solara + ["--host", host, "--port", str(port), "--production", "--no-open", "--no-check-version"]


def cmd_dashboard(args: argparse.Namespace) -> int:
    from sim.page_assets import AssetError

    problem = None if args.fetch_assets else address_problem(args.host, args.port)
    if problem:
        print(f"allysim: error: {problem}", file=sys.stderr)
        return 2
    try:
        fetched = ensure_assets(say=lambda line: print(line, flush=True))
    except AssetError as exc:
        print(f"allysim: error: {exc}", file=sys.stderr)
        return 1
    if args.fetch_assets:
        if not fetched:
            print(f"allysim: the dashboard page's scripts and styles are all in {asset_cache()}")
        return 0
    warning = exposure_warning(args.host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    url = f"http://{shown_host(args.host)}:{args.port}/"
    print(f"Dashboard at {url} (Ctrl-C stops it)", flush=True)
    if not args.no_open:  # solara's own --open would race the server's start
        import webbrowser

        opener = threading.Timer(2.5, webbrowser.open, [url])
        opener.daemon = True
        opener.start()
    server = subprocess.Popen(server_command(args.host, args.port), env=server_environment())
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())  # a stopped command leaves no server
    try:
        code = server.wait()
        return 128 - code if code < 0 else code  # stopped by a signal: the shell's convention
    except KeyboardInterrupt:
        server.terminate()
        server.wait(timeout=10)
        return 0
