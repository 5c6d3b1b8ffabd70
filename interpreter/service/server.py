"""Start the HTTP server: bind the address first (so a taken port is a clear error), then run uvicorn."""
from __future__ import annotations

import inspect
import ipaddress
import socket
import sys
from typing import Callable

from rulerun.dsl.errors import Diagnostic, UsageError, render_all

from .settings import Settings


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or a usage error saying why it cannot be."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UsageError(Diagnostic(f"cannot listen on `{host}`: {error.strerror}",
                                    hint="give --host an address such as 127.0.0.1")) from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise UsageError(Diagnostic(f"cannot listen on {host}:{port}: {error.strerror or error}",
                                    hint="choose another --port, or stop the program using this one")) from None
    sock.set_inheritable(True)
    return sock


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def report(registry, address: str) -> None:
    """Say on stderr what is served, and the errors of each measure that cannot be."""
    entries = registry.entries()
    for entry in entries:
        if entry.errors:
            print(render_all(entry.errors), file=sys.stderr)
    served = sum(e.served is not None for e in entries)
    print(f"serving {served} measure(s) from {registry.folder} on {address}", file=sys.stderr, flush=True)


def run(settings: Settings, host: str, port: int, workers: int,
        on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted; with several workers, each process loads the measures itself.

    `on_ready` is called with the address once the socket listens (the workbench opens the browser there).
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from .app import create_app
    sock = listen(host, port)
    if not is_loopback(host) and settings.token_file is None:
        print(f"warning: serving on {host} without --token-file: anyone who can reach it can use it",
              file=sys.stderr)
    app = create_app(settings)  # in this process too: the measures' errors are reported before serving
    address = f"http://{host}:{sock.getsockname()[1]}"
    report(app.state.service.registry, address)
    if on_ready is not None:
        sock.listen()  # connections wait in the queue until uvicorn takes over the socket
        on_ready(address)
    if workers == 1:
        config = uvicorn.Config(app, log_level="warning", access_log=False)
        uvicorn.Server(config).run(sockets=[sock])
        return
    app.state.service.close()  # each worker loads its own; this one only reported
    settings.to_env()
    config = uvicorn.Config("rulerun.interpreter.service.app:from_environment", factory=True, workers=workers,
                            log_level="warning", access_log=False)
    if "target" in inspect.signature(Multiprocess).parameters:  # uvicorn before its worker supervisor took over
        # Checked against the installed uvicorn, whose supervisor no longer takes `target`.
        Multiprocess(config, target=uvicorn.Server(config).run, sockets=[sock]).run()  # type: ignore[call-arg]
    else:
        Multiprocess(config, sockets=[sock]).run()
