"""The command-line tools around the provider: install, package, docs, demo, bench, sandbox.

None of them runs inside Terraform's plugin processes; `dellsc.cli` dispatches to them.
"""
