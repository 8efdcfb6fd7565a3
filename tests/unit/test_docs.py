"""The docs generator: every flag a user needs is on the attribute's line."""

from __future__ import annotations

from pathlib import Path

from dellsc.schema.loader import schemas
from dellsc.schema.model import Attribute
from dellsc.tools.docs import _line, pages


def test_attribute_line_says_type_sensitivity_default_and_replacement() -> None:
    attr = Attribute(
        "source_volume_id", "string", "The volume to copy.", optional=True, sensitive=True,
        default="x", plan_modifiers=("requires_replace",),
    )  # fmt: skip
    line = _line(attr)
    assert line.startswith("- `source_volume_id` (String, Sensitive) The volume to copy.")
    assert 'Defaults to `"x"`.' in line and line.endswith("Changing this forces replacement.")
    listed = _line(Attribute("tags", ["set", "string"], "Tags.", optional=True))
    assert "(Set of String)" in listed and "forces replacement" not in listed


def test_every_type_has_a_page_an_example_and_an_index_link(tmp_path: Path) -> None:
    generated = pages(tmp_path)
    index = generated[Path("index.md")]
    root = Path(__file__).resolve().parents[2] / "examples"
    for kind, folder, example in (
        ("resources", "resources", "resource.tf"),
        ("data_sources", "data-sources", "data-source.tf"),
        ("actions", "actions", "action.tf"),
        ("list_resources", "list-resources", "query.tfquery.hcl"),
    ):
        for name in schemas(kind):
            page = Path(folder) / f"{name.removeprefix('dellsc_')}.md"
            assert page in generated and f"]({page.as_posix()})" in index
            assert (root / folder / name / example).is_file(), f"{name} has no {example}"
            assert "## Example Usage\n\n```terraform" in generated[page]
            if kind == "resources":
                assert "## Import" in generated[page], f"{name} has no import section"
            if kind == "list_resources":  # what the suite's query finds (test_examples)
                assert (root / folder / name / "prerequisites.tf").is_file()


def test_every_function_has_a_page_an_example_and_an_index_link(tmp_path: Path) -> None:
    from dellsc.schema.loader import function_schemas

    generated = pages(tmp_path)
    root = Path(__file__).resolve().parents[2] / "examples" / "functions"
    for name, schema in function_schemas().items():
        page = generated[Path("functions") / f"{name}.md"]
        assert f"](functions/{name}.md)" in generated[Path("index.md")]
        assert (root / name / "function.tf").is_file(), f"{name} has no example"
        assert "## Example Usage\n\n```terraform" in page and "## Signature" in page
        for call, result in schema.examples:
            assert f"| `{call}` | `{result}` |" in page
