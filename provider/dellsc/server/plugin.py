"""Serve a tfplugin6 provider the way go-plugin does (reference §1.3).

Terraform starts one process per graph walk, so start-up is on every command's critical path:
this module imports only the standard library at import time; grpc (and cryptography, for the
first certificate of a Terraform command: `certcache`) loads inside ``serve()``, the stubs and
the provider on the first RPC (`LazyServices`), so the handshake line goes out early.

Life of a process: check the magic cookie and protocol version, ignore SIGINT, start a gRPC
server on a Unix socket in a fresh 0700 directory (TLS when ``PLUGIN_CLIENT_CERT`` is set),
print the handshake line, point fd 1 at stderr, serve until ``GRPCController.Shutdown``,
SIGTERM or the death of the parent, then remove the socket directory.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import grpc

    from dellsc.server.services import Handler, Loader

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
CORE_PROTOCOL_VERSION = 1
PROTOCOL_VERSION = 6
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
WORKERS = 32  # concurrent resource RPCs (-parallelism, default 10) plus StopProvider
SHUTDOWN_GRACE_SECONDS = 0.5
PARENT_POLL_SECONDS = 1.0
MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux, 104 on macOS
SOCKET_NAME = "plugin.sock"
PROVIDER_SERVICE = "tfplugin6.Provider"


def serve(load: Callable[[], object], *, name: str = "dellsc", debug: bool = False) -> int:
    """Serve the tfplugin6 servicer that ``load()`` makes (on the first provider RPC) until
    Terraform shuts it down; return the process exit code. A servicer serves the RPCs it has
    methods for (named as in tfplugin6.proto); the others are UNIMPLEMENTED.

    ``debug=True`` serves plaintext without the cookie check and prints the
    ``TF_REATTACH_PROVIDERS`` line for Terraform instead of the handshake; it stops on
    SIGINT or SIGTERM.
    """
    try:
        if not debug:
            problem = _launch_problem(name)
            if problem:
                sys.stderr.write(problem)
                return 1
        return _serve(load, name, debug)
    except Exception as exc:
        import traceback

        # go-plugin relays "panic: " and every following line at ERROR; Terraform prints them
        # as the plugin's crash report when the command fails.
        sys.stderr.write(f"panic: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        sys.stderr.flush()
        return 2


def _launch_problem(name: str) -> str | None:
    """Why this process was not started by Terraform, as a message for a human."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        return (
            f"This binary is the Terraform provider plugin {name!r}. Plugins are not meant to be "
            "executed directly: declare the provider in a configuration's required_providers, "
            "run `terraform init`, and Terraform will start it. To debug the provider, run it "
            "in debug mode and export the TF_REATTACH_PROVIDERS line it prints.\n"
        )
    offered = os.environ.get("PLUGIN_PROTOCOL_VERSIONS")
    # Unset means a client older than version negotiation; go-plugin then uses its default.
    if offered is not None and str(PROTOCOL_VERSION) not in offered.replace(" ", "").split(","):
        return (
            f"The {name} provider speaks Terraform plugin protocol {PROTOCOL_VERSION}, but this "
            f"Terraform offers only protocol version(s) {offered!r}. "
            "Use Terraform v1.0 or later.\n"
        )
    return None


def _serve(load: Callable[[], object], name: str, debug: bool) -> int:
    parent = os.getppid()  # now: Terraform may be gone by the time the handshake is out
    stop = threading.Event()
    crashed: list[BaseException] = []

    def crash(exc: BaseException) -> None:
        # The provider cannot load: report it as go-plugin does a crash, and stop serving.
        import traceback

        sys.stderr.write(f"panic: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        sys.stderr.flush()
        crashed.append(exc)
        stop.set()

    _install_signal_handlers(stop, debug)
    socket_dir = _make_socket_dir()
    try:
        path = os.path.join(socket_dir, SOCKET_NAME)
        tls = bool(os.environ.get("PLUGIN_CLIENT_CERT")) and not debug
        server, cert_field = _start_server(load, crash, path, stop, tls)
        if debug:
            _announce_reattach(name, path)
        else:
            _write_handshake(path, cert_field)
        if os.environ.get("DELLSC_PROFILE"):
            from dellsc.server import profiling

            profiling.handshake_done()
        orphaned = _wait(stop, parent)
        server.stop(SHUTDOWN_GRACE_SECONDS).wait(SHUTDOWN_GRACE_SECONDS + 0.5)
    finally:
        _remove_dir(socket_dir)
    if orphaned:
        # Nobody will reap or wait for us; don't let a handler stuck in I/O keep us alive.
        sys.stderr.flush()
        os._exit(1)
    return 2 if crashed else 0


def _remove_dir(path: str) -> None:
    """Remove the socket directory, retrying briefly: gRPC may still be closing its listener."""
    import shutil
    import time

    for _ in range(20):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path):
            return
        time.sleep(0.05)


def _install_signal_handlers(stop: threading.Event, debug: bool) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    # Ctrl-C reaches the whole process group; Terraform cancels through StopProvider instead.
    signal.signal(signal.SIGINT, (lambda *_: stop.set()) if debug else signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())


def _make_socket_dir() -> str:
    """A fresh 0700 directory whose socket path fits in sun_path, under
    PLUGIN_UNIX_SOCKET_DIR or else the temporary directory as Go finds it ($TMPDIR, /tmp;
    long or unusable TMPDIRs fall back to /tmp). `tempfile` is not used: it costs start-up."""
    configured = os.environ.get("PLUGIN_UNIX_SOCKET_DIR")
    bases = [configured] if configured else [os.environ.get("TMPDIR") or "/tmp", "/tmp"]
    failure: OSError | None = None
    for base in map(os.path.abspath, bases):
        if len(os.path.join(base, "tfp" + "x" * 8, SOCKET_NAME)) >= MAX_SOCKET_PATH:
            continue
        for _ in range(5):
            path = os.path.join(base, "tfp" + os.urandom(4).hex())
            try:
                os.mkdir(path, 0o700)
                return path
            except FileExistsError:
                continue
            except OSError as exc:
                failure = exc
                break
    if failure is not None:
        raise failure
    raise RuntimeError(
        f"no directory for a Unix socket path under {MAX_SOCKET_PATH} bytes: {bases}"
    )


def _provider_handlers(load: Callable[[], object]) -> dict[str, Handler]:
    from dellsc.server._gen import tfplugin6_pb2
    from dellsc.server.services import method_handlers

    return method_handlers(tfplugin6_pb2.DESCRIPTOR.services_by_name["Provider"], load())


def _start_server(
    load: Callable[[], object],
    crash: Callable[[BaseException], None],
    path: str,
    stop: threading.Event,
    tls: bool,
) -> tuple[grpc.Server, str]:
    """Start serving on ``path``; return the server and handshake field 6."""
    from concurrent.futures import ThreadPoolExecutor
    from functools import partial

    import grpc

    from dellsc.server.goplugin import goplugin_loaders
    from dellsc.server.services import LazyServices

    interceptors = []
    if os.environ.get("DELLSC_PROFILE"):
        from dellsc.server import profiling

        interceptors.append(profiling.interceptor())
    loaders: dict[str, Loader] = {
        PROVIDER_SERVICE: partial(_provider_handlers, load),
        **goplugin_loaders(stop),
    }
    server = grpc.server(
        ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="dellsc-rpc"),
        handlers=[LazyServices(loaders, crash)],
        interceptors=interceptors,
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ],
    )
    address = f"unix:{path}"
    cert_field = ""
    if tls:
        from dellsc.server.certcache import server_certificate

        key_pem, cert_pem, cert_field = server_certificate()
        # No client-certificate check: grpcio's TLS does not get Terraform's P-521 client
        # certificate (reference §1.5); the 0700 socket directory limits who can connect.
        credentials = grpc.ssl_server_credentials([(key_pem, cert_pem)], require_client_auth=False)
        server.add_secure_port(address, credentials)
    else:
        server.add_insecure_port(address)
    server.start()
    return server, cert_field


def _write_handshake(path: str, cert_field: str) -> None:
    """Print the go-plugin handshake line, then send any later stdout writes to stderr."""
    line = f"{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|unix|{path}|grpc|{cert_field}\n"
    # Straight to fd 1: nothing buffered in sys.stdout can come before it or hold it back.
    os.write(1, line.encode())
    os.dup2(2, 1)


def _announce_reattach(name: str, path: str) -> None:
    import json

    reattach = {
        f"registry.terraform.io/dellsc/{name}": {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": os.getpid(),
            "Test": True,  # Terraform neither shuts down nor kills a "Test" provider
            "Addr": {"Network": "unix", "String": path},
        }
    }
    sys.stderr.write(
        f"{name} provider serving in debug mode; stop it with Ctrl-C. "
        "Export this line in the shell that runs terraform:\n"
    )
    sys.stderr.flush()
    print(f"TF_REATTACH_PROVIDERS='{json.dumps(reattach, separators=(',', ':'))}'", flush=True)


def _wait(stop: threading.Event, parent: int) -> bool:
    """Block until ``stop`` is set (False) or the parent process ``parent`` is gone (True)."""
    while not stop.wait(PARENT_POLL_SECONDS):
        if os.getppid() != parent:
            return True
    return False
