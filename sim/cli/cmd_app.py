"""``relsim app``: serve the teaching app (a Solara page over the Mesa models) on this machine.

The app is served by ``solara run sim.teach.app`` in a child process. It listens on
127.0.0.1 unless ``--host`` names another address: the app has no login, so only an
address typed on the command line may open it to the network, and then a warning is
printed. ``$HOST`` and ``$SOLARA_HOST``, which solara would otherwise read, are ignored:
the child is always given ``--host`` explicitly.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"
"""Where the app listens unless told otherwise."""

APP_MODULE = "sim.teach.app"
"""The module solara serves."""

STARTUP_TIMEOUT = 120.0
"""Seconds to wait for the server to answer before giving up."""

STOP_TIMEOUT = 10.0
"""Seconds the server gets to stop cleanly before it is killed."""


@dataclass(frozen=True)
class Binding:
    """Where the app will listen.

    Attributes
    ----------
    host : str
        The address to bind.
    public : bool
        True when the address is not a loopback address (others can reach the app).
    warning : str or None
        What to tell the user before listening publicly.
    """

    host: str
    public: bool
    warning: str | None = None

    def url(self, port: int) -> str:
        """The address to open in a browser."""
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        if self.host == "::":
            shown = "::1"
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{port}/"


def decide_binding(host_arg: str | None) -> Binding:
    """Where to listen, given only the ``--host`` argument (``None`` when not given).

    Nothing but the command line decides: with no ``--host`` the app listens on
    127.0.0.1 whatever the environment says. ``--host`` must be an IP address or
    ``localhost``; a non-loopback address is accepted because it was typed
    explicitly, with a warning.

    Raises
    ------
    InputError
        For a host that is neither an IP address nor ``localhost``.
    """
    from sim.errors import InputError

    if host_arg is None:
        return Binding(LOOPBACK, public=False)
    text = host_arg.strip()
    if text.lower() == "localhost":
        return Binding(LOOPBACK, public=False)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise InputError(
            "--host",
            "",
            f"expected an IP address (such as 127.0.0.1, or 0.0.0.0 for every interface) "
            f"or localhost, got {host_arg!r}",
        ) from None
    if address.is_loopback:
        return Binding(str(address), public=False)
    return Binding(
        str(address),
        public=True,
        warning=(
            f"relsim: warning: listening on {address}, not only on this machine: anyone who "
            "can reach it on the network can use the app, which has no login"
        ),
    )


def parse_port(text: str | None) -> int | None:
    """The ``--port`` value as a number in 1-65535, or ``None`` for "any free port".

    Raises
    ------
    InputError
        For anything but a whole number in range.
    """
    from sim.cli.arguments import whole_number

    return None if text is None else whole_number(text, "--port", 1, 65535)


def free_port(host: str) -> int:
    """A port nobody listens on at ``host`` right now (the system picks it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def check_port_free(host: str, port: int) -> None:
    """Raise :class:`InputError` if ``port`` cannot be bound at ``host``."""
    from sim.errors import InputError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            raise InputError("--port", "", f"cannot listen on {host}:{port}: {err}") from None


def solara_command(binding: Binding, port: int) -> list[str]:
    """The command line that serves the app, with host and port always explicit."""
    solara = Path(sys.executable).with_name("solara")
    prefix = [str(solara)] if solara.exists() else [sys.executable, "-m", "solara"]
    return [
        *prefix,
        "run",
        APP_MODULE,
        "--host",
        binding.host,
        "--port",
        str(port),
        "--no-open",
        "--production",
        "--log-level",
        "warning",
    ]


def child_environment(
    scenario: str | None, population: str | None = None, overrides: str | None = None
) -> dict[str, str]:
    """The server's environment: ours, without host overrides, with the first scenario,
    the values to set over it (``--set``, as :func:`sim.scenario.overrides_text` writes
    them) and the population to open with."""
    from sim.teach.app import OVERRIDES_ENV, SCENARIO_ENV
    from sim.teach.population_view import POPULATION_ENV

    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "SOLARA_HOST", "PORT")}
    # Solara warns on every page load that its session cookie falls back to
    # samesite=lax over plain http, which is what a local server wants.
    env["PYTHONWARNINGS"] = "ignore:Cookies with samesite=none require https:UserWarning"
    # The page is the app's own: no framework banner, its own title in the browser tab.
    env["SOLARA_THEME_SHOW_BANNER"] = "False"
    env["SOLARA_THEME_TITLE"] = "relsim"
    named = ((SCENARIO_ENV, scenario), (OVERRIDES_ENV, overrides), (POPULATION_ENV, population))
    for name, value in named:
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    return env


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``app`` subcommand."""
    p = subparsers.add_parser(
        "app",
        help="serve the teaching app in the browser",
        description="Serve the teaching app (a Solara page over the Mesa models): pick a "
        "scenario, move the "
        "traits, play the weeks and watch the couple; or watch a partner market, or the "
        "couples of a population. Listens on 127.0.0.1 unless --host names another "
        "address. Ctrl-C stops it.",
    )
    p.add_argument(
        "--host",
        default=None,
        help="address to listen on (default 127.0.0.1); another address opens the app "
        "to the network and prints a warning",
    )
    p.add_argument("--port", default=None, help="port (default: a free port)")
    p.add_argument("--scenario", default=None, help="scenario to open with (name or path)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="open the scenario with this value set over its own: a.<trait>, b.<trait>, "
        "both.<trait> or env.<name>, e.g. --set b.narcissism=0.4 (repeatable)",
    )
    p.add_argument(
        "--population",
        default=None,
        help="open the population view with this population (name or path)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Start the server, print its address once it answers, and stop it on Ctrl-C."""
    from sim.population import load_population
    from sim.scenario import load_scenario, overrides_text, parse_overrides

    overrides = overrides_text(parse_overrides(args.overrides), " ") or None
    binding = decide_binding(args.host)
    port = parse_port(args.port)
    scenario = population = None
    if args.scenario is not None:
        sc = load_scenario(args.scenario)
        scenario = str(sc.path.resolve()) if sc.path.stem != args.scenario else sc.name
    if args.population is not None:
        pop = load_population(args.population)
        population = str(pop.path.resolve()) if pop.path.stem != args.population else pop.name
    if port is None:
        port = free_port(binding.host)
    else:
        check_port_free(binding.host, port)
    if binding.warning:
        print(binding.warning, file=sys.stderr)
    env = child_environment(scenario, population, overrides)
    server = subprocess.Popen(solara_command(binding, port), env=env)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if not _wait_until_listening(server, binding.host, port, STARTUP_TIMEOUT):
            print("relsim: error: the app server did not start", file=sys.stderr)
            return 1
        print(f"relsim app: serving on {binding.url(port)} (Ctrl-C to stop)", flush=True)
        return_code = server.wait()
        return 0 if return_code in (0, -signal.SIGINT, -signal.SIGTERM) else return_code
    except KeyboardInterrupt:
        print("relsim app: stopping", file=sys.stderr)
        return 0
    finally:
        _stop(server)
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _wait_until_listening(server: subprocess.Popen, host: str, port: int, timeout: float) -> bool:
    """Wait until the server accepts connections; False if it died or took too long."""
    target = "127.0.0.1" if host == "0.0.0.0" else ("::1" if host == "::" else host)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with socket.create_connection((target, port), timeout=1.0):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _stop(server: subprocess.Popen) -> None:
    """Stop the server: politely first, then for good."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGINT)
    try:
        server.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
