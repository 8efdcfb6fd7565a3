"""Plugin entry point: what the launcher in the Terraform mirror executes.

`python -m dellsc.main` serves the provider to Terraform; `--debug` serves it for
`TF_REATTACH_PROVIDERS` (plaintext, no magic cookie) so it can run under a debugger.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    try:
        from dellsc.server.logs import configure_logging
        from dellsc.server.plugin import serve

        configure_logging()
        from dellsc.provider import DellscProvider
        from dellsc.server.servicer import ProviderServicer

        provider = DellscProvider()
    except Exception as exc:
        import traceback

        # Terraform shows "panic:" lines (and what follows) as the plugin's crash report.
        sys.stderr.write(f"panic: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        return 2
    try:
        return serve(ProviderServicer(provider), debug="--debug" in (argv or sys.argv[1:]))
    finally:
        provider.close()


if __name__ == "__main__":
    sys.exit(main())
