"""`dellsc emulator`: run the emulator in the foreground until SIGTERM / SIGINT."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from .options import EmulatorOptions


def _versions(text: str) -> tuple[str, str]:
    low, sep, high = text.partition(",")
    try:
        parts = [tuple(int(x) for x in v.strip().split(".")) for v in (low, high)]
    except ValueError:
        parts = []
    if not sep or len(parts) != 2 or parts[0] > parts[1]:
        raise argparse.ArgumentTypeError("expected LOW,HIGH such as 2.0,4.1")
    return low.strip(), high.strip()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dellsc emulator",
        description="Dell Storage Manager REST API emulator (SQLite-backed) for tests and demos.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=3033, help="port; 0 picks a free one (default 3033)")
    p.add_argument(
        "--secondary-port",
        type=int,
        action="append",
        dest="secondary_ports",
        default=[],
        metavar="PORT",
        help="another endpoint (a second DSM over the same arrays) on PORT, 0 = a free one; "
        "repeatable",
    )
    p.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    p.add_argument(
        "--state",
        default="./dellsc-emulator.db",
        help="SQLite state file, or :memory: (default ./dellsc-emulator.db)",
    )
    p.add_argument(
        "--ssn",
        type=int,
        action="append",
        dest="ssns",
        help="serial number of an emulated Storage Center; repeat for more (default 64702)",
    )
    p.add_argument("--username", default="Admin", help="API user name (default Admin)")
    p.add_argument("--password", default="emulator", help="API password (default emulator)")
    p.add_argument(
        "--api-versions",
        type=_versions,
        default=("2.0", "4.1"),
        help="accepted x-dell-api-version range LOW,HIGH (default 2.0,4.1)",
    )
    p.add_argument(
        "--reported-api-version",
        default=None,
        help="apiVersion in the login reply (default: HIGH of --api-versions)",
    )
    p.add_argument("--direct", action="store_true", help="act as a directly connected array")
    p.add_argument(
        "--preload-volumes",
        type=int,
        default=0,
        metavar="N",
        help="make sure N volumes preload-00001... (1 GB) exist",
    )
    p.add_argument(
        "--task-polls",
        type=int,
        default=1,
        metavar="N",
        help="polls answered 'Running' before an async task finishes (default 1)",
    )
    p.add_argument(
        "--iscsi-mode",
        choices=["VirtualPort", "Legacy"],
        default="VirtualPort",
        help="iSCSI transport mode of the emulated SCs (default VirtualPort)",
    )
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="JSON",
        help="fault rule as JSON (see docs/emulator.md); repeatable",
    )
    p.add_argument(
        "--lun-conflict",
        choices=["refuse", "next"],
        default="refuse",
        help="a taken PreferredLun: refuse it unless UseNextAvailable is true (default), or "
        "map at the next free LUN whatever the client asks",
    )
    p.add_argument(
        "--drift",
        action="append",
        default=[],
        metavar="JSON",
        help="rename or retype a field of one object type in every reply (see "
        "docs/emulator.md); repeatable",
    )
    p.add_argument(
        "--session-idle",
        type=float,
        default=1800.0,
        metavar="SECONDS",
        help="sessions idle this long expire (default 1800)",
    )
    p.add_argument(
        "--max-sessions",
        type=int,
        default=500,
        metavar="N",
        help="live sessions kept; past N the least recently used ends (default 500)",
    )
    p.add_argument(
        "--max-connections",
        type=int,
        default=256,
        metavar="N",
        help="connections open at a time; past N new ones wait (default 256)",
    )
    p.add_argument(
        "--header-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="time for a TLS handshake or a request head, else the connection closes (default 10)",
    )
    p.add_argument(
        "--body-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="time for a request body, else 408 (default 30)",
    )
    p.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="stderr log level",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.preload_volumes < 0 or args.task_polls < 0:
        print("dellsc emulator: --preload-volumes and --task-polls must be >= 0", file=sys.stderr)
        return 2
    if args.session_idle <= 0 or args.max_sessions < 1:
        print("dellsc emulator: --session-idle must be > 0, --max-sessions >= 1", file=sys.stderr)
        return 2
    if args.max_connections < 1 or not 0 < args.header_timeout <= 3600:
        print(
            "dellsc emulator: --max-connections must be >= 1, --header-timeout 0-3600",
            file=sys.stderr,
        )
        return 2
    if not 0 < args.body_timeout <= 3600:
        print("dellsc emulator: --body-timeout must be > 0 and <= 3600", file=sys.stderr)
        return 2
    options = EmulatorOptions(
        host=args.host,
        port=args.port,
        tls=not args.http,
        state=args.state,
        ssns=tuple(args.ssns or (64702,)),
        username=args.username,
        password=args.password,
        api_versions=args.api_versions,
        reported_api_version=args.reported_api_version,
        direct=args.direct,
        preload_volumes=args.preload_volumes,
        task_polls=args.task_polls,
        iscsi_mode=args.iscsi_mode,
        faults=tuple(args.fault),
        session_idle_s=args.session_idle,
        max_sessions=args.max_sessions,
        lun_conflict=args.lun_conflict,
        drifts=tuple(args.drift),
        secondary_ports=tuple(args.secondary_ports),
        max_connections=args.max_connections,
        header_timeout_s=args.header_timeout,
        body_timeout_s=args.body_timeout,
    )
    from .server import EmulatorServer

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = EmulatorServer(options)
    try:
        server.start()
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"dellsc emulator: cannot start: {exc}", file=sys.stderr)
        return 1
    try:
        ssns = ",".join(str(s) for s in options.ssns)
        ca = server.ca_file or "-"
        line = f"dellsc emulator ready endpoint={server.base_url} ssn={ssns} ca={ca}"
        if options.secondary_ports:
            line += " secondary=" + ",".join(server.base_urls[1:])
        print(line, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0
