"""Plugin entry point: what the launcher in the Terraform mirror executes.

`python -m dellsc.main` serves the provider to Terraform; `--debug` serves it for
`TF_REATTACH_PROVIDERS` (plaintext, no magic cookie) so it can run under a debugger.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dellsc.provider import DellscProvider


def main(argv: list[str] | None = None) -> int:
    try:
        from dellsc.server.logs import configure_logging
        from dellsc.server.plugin import serve

        configure_logging()
    except Exception as exc:
        import traceback

        # Terraform shows "panic:" lines (and what follows) as the plugin's crash report.
        sys.stderr.write(f"panic: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        return 2
    providers: list[DellscProvider] = []

    def load() -> object:
        """The servicer, made on the first provider RPC (after the handshake)."""
        from dellsc.provider import DellscProvider
        from dellsc.server.servicer import ProviderServicer

        providers.append(DellscProvider())
        return ProviderServicer(providers[0])

    try:
        return serve(load, debug="--debug" in (argv or sys.argv[1:]))
    finally:
        for provider in providers:
            provider.close()


if __name__ == "__main__":
    sys.exit(main())
