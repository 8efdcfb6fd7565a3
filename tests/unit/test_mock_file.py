"""The shipped mock defaults (examples/testing/dellsc.tfmock.hcl) cover every type in full."""

from __future__ import annotations

import re
from pathlib import Path

from dellsc.schema.loader import schemas

MOCKS = Path(__file__).resolve().parents[2] / "examples" / "testing" / "dellsc.tfmock.hcl"


def test_mock_file_gives_every_computed_attribute_of_every_type() -> None:
    """A computed attribute left out is invented at plan and again at apply, which fails an
    apply run with `override_during = plan`."""
    blocks = re.findall(r'^mock_(resource|data) "(\w+)" \{\n  defaults = \{\n(.*?)\n  \}\n\}',
                        MOCKS.read_text(), re.M | re.S)  # fmt: skip
    given = {(k, n): set(re.findall(r"^    (\w+)\s+=", body, re.M)) for k, n, body in blocks}
    for kind, block in (("resources", "resource"), ("data_sources", "data")):
        for name, schema in schemas(kind).items():
            computed = {a.name for a in schema.attributes if a.computed}
            assert given.get((block, name)) == computed, f"mock_{block} {name!r}"
