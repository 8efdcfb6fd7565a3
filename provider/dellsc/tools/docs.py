"""Generate the Terraform docs pages (tfplugindocs layout) from `schemas/` and `examples/`.

`docs/index.md` and `docs/<kind>/<name>.md` (resources, data-sources, actions, list-resources,
functions) are generated and committed; `--check` fails when they are stale, so the schema
files stay the single source of truth.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dellsc.schema.loader import function_schemas, provider_schema, schemas
from dellsc.schema.model import Attribute, FunctionParameter, FunctionSchema, Schema
from dellsc.schema.validators import describe

EXAMPLES = Path("examples")
_TYPE_NAMES = {"string": "String", "number": "Number", "bool": "Boolean", "dynamic": "Dynamic"}


def _type_label(attr: Attribute | FunctionParameter) -> str:
    if isinstance(attr, Attribute) and attr.nested is not None:
        return "Attributes"
    ty = attr.type
    if isinstance(ty, list) and ty[0] == "object":
        return "Object"
    if isinstance(ty, str):
        return _TYPE_NAMES[ty]
    inner = ty[1] if isinstance(ty[1], str) else "object"
    return f"{ty[0].capitalize()} of {_TYPE_NAMES.get(inner, inner.capitalize())}"


def _line(attr: Attribute, anchor: str = "") -> str:
    flags = [_type_label(attr)]
    if attr.sensitive:
        flags.append("Sensitive")
    if attr.deprecated:
        flags.append("Deprecated")
    sentences = [attr.description.strip()]
    if attr.default is not None and "default" not in attr.description.lower():
        sentences.append(f"Defaults to `{json.dumps(attr.default)}`.")
    said = "replace" in attr.description.lower()  # the description already says how
    if "requires_replace" in attr.plan_modifiers and not said:
        sentences.append("Changing this forces replacement.")
    elif "requires_replace_if_configured" in attr.plan_modifiers and not said:
        sentences.append("Changing a configured value forces replacement.")
    if attr.validators:  # the checks themselves, in words: docs and validation cannot drift
        sentences.append(f"Validation: {describe(attr.validators)}.")
    text = f"- `{attr.name}` ({', '.join(flags)}) {' '.join(s for s in sentences if s)}"
    if attr.nested is not None:
        text += f" (see [below for nested schema](#nestedatt--{anchor}{attr.name}))"
    return text


def _groups(attrs: tuple[Attribute, ...]) -> dict[str, list[Attribute]]:
    return {
        "Required": [a for a in attrs if a.required],
        "Optional": [a for a in attrs if a.optional],
        "Read-Only": [a for a in attrs if a.computed and not a.optional],
    }


def _schema_section(schema: Schema) -> str:
    out = ["## Schema", ""]
    for title, attrs in _groups(schema.attributes).items():
        if attrs:
            out += [f"### {title}", "", *(_line(a) for a in attrs), ""]
    for attr in schema.attributes:
        if attr.nested is not None:
            out += [f'<a id="nestedatt--{attr.name}"></a>', f"### Nested Schema for `{attr.name}`"]
            for title, attrs in _groups(attr.nested).items():
                if attrs:
                    out += ["", f"{title}:", "", *(_line(a, f"{attr.name}--") for a in attrs)]
            out.append("")
    return "\n".join(out)


def _example(path: Path, lang: str) -> str:
    return f"```{lang}\n{path.read_text().rstrip()}\n```\n" if path.exists() else ""


def _title(path: Path) -> str:
    for line in path.read_text().splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem.replace("-", " ").capitalize()


def _contents(out: Path) -> list[str]:
    """Links to every resource, data source and guide page."""
    lines: list[str] = []
    for kind, folder, label in (
        ("resources", "resources", "Resources"),
        ("data_sources", "data-sources", "Data Sources"),
        ("actions", "actions", "Actions"),
        ("list_resources", "list-resources", "List Resources (terraform query)"),
    ):
        names = sorted(schemas(kind))
        if names:
            lines += [f"## {label}", ""]
            lines += [f"- [{n}]({folder}/{n.removeprefix('dellsc_')}.md)" for n in names]
            lines.append("")
    functions = sorted(function_schemas())
    if functions:
        lines += ["## Functions (Terraform 1.8+)", ""]
        lines += [f"- [provider::dellsc::{n}](functions/{n}.md)" for n in functions]
        lines.append("")
    guides = sorted((out / "guides").glob("*.md"))
    if guides:
        lines += ["## Guides", ""]
        lines += [f"- [{_title(g)}](guides/{g.name})" for g in guides]
        lines.append("")
    if (out / "emulator.md").exists():
        lines += ["## The emulator", "", f"- [{_title(out / 'emulator.md')}](emulator.md)", ""]
    return lines


def _index(out: Path) -> str:
    schema = provider_schema()
    return "\n".join(
        [
            "---",
            'page_title: "dellsc Provider"',
            "description: |-",
            f"  {schema.description}",
            "---",
            "",
            "# dellsc Provider",
            "",
            schema.description,
            "",
            "## Example Usage",
            "",
            _example(EXAMPLES / "provider" / "provider.tf", "terraform"),
            _schema_section(schema),
            *_contents(out),
        ]
    )


# schema kind -> (page label, docs and examples folder, example file name)
_KINDS = {
    "resources": ("Resource", "resources", "resource.tf"),
    "data_sources": ("Data Source", "data-sources", "data-source.tf"),
    "actions": ("Action", "actions", "action.tf"),
    "list_resources": ("List Resource", "list-resources", "query.tfquery.hcl"),
}


def _type_page(schema: Schema) -> str:
    label, folder_name, example = _KINDS[schema.kind]
    folder = EXAMPLES / folder_name / schema.type_name
    parts = [
        "---",
        f'page_title: "{schema.type_name} {label} - terraform-provider-dellsc"',
        'subcategory: ""',
        "description: |-",
        f"  {schema.description}",
        "---",
        "",
        f"# {schema.type_name} ({label})",
        "",
        schema.description,
        "",
        "## Example Usage",
        "",
        _example(folder / example, "terraform"),
        _schema_section(schema),
    ]
    block = {"actions": "action's", "list_resources": "list block's"}.get(schema.kind)
    if block:
        parts[-1] = parts[-1].replace(
            "## Schema\n", f"## Schema\n\nThese arguments go in the {block} `config` block.\n", 1
        )
    if schema.import_help:
        parts += [
            "## Import",
            "",
            schema.import_help,
            "",
            _example(folder / "import.sh", "shell"),
            "With an `import` block (Terraform 1.5+):",
            "",
            _example(folder / "import-by-string-id.tf", "terraform"),
        ]
    return "\n".join(parts)


def _signature(schema: FunctionSchema) -> str:
    def label(parameter: FunctionParameter) -> str:
        return f"{parameter.name} {_type_label(parameter).lower()}"

    arguments = [label(p) for p in schema.parameters]
    if schema.variadic is not None:
        arguments.append(label(schema.variadic) + "...")
    returns = _type_label(FunctionParameter("", schema.returns, "")).lower()
    return f"{schema.name}({', '.join(arguments)}) {returns}"


def _function_page(schema: FunctionSchema) -> str:
    arguments = [f"1. `{p.name}` ({_type_label(p)}) {p.description}" for p in schema.parameters]
    if schema.variadic is not None:
        variadic = schema.variadic
        arguments.append(
            f"1. `{variadic.name}` (Variadic, {_type_label(variadic)}) {variadic.description}"
        )
    parts = [
        "---",
        f'page_title: "{schema.name} function - terraform-provider-dellsc"',
        'subcategory: ""',
        "description: |-",
        f"  {schema.summary}",
        "---",
        "",
        f"# function: {schema.name}",
        "",
        schema.description,
        "",
        "Call it as `provider::dellsc::" + schema.name + "(...)` (Terraform 1.8+) in a module "
        "whose `required_providers` names `dellsc`; it needs no provider configuration and "
        "reads nothing from the array.",
        "",
        "## Example Usage",
        "",
        _example(EXAMPLES / "functions" / schema.name / "function.tf", "terraform"),
        "## Signature",
        "",
        f"```text\n{_signature(schema)}\n```",
        "",
        "## Arguments",
        "",
        *arguments,
        "",
    ]
    if schema.examples:
        parts += ["## Results", "", "| Call | Result |", "|---|---|"]
        parts += [f"| `{call}` | `{result}` |" for call, result in schema.examples]
        parts.append("")
    return "\n".join(parts)


def pages(docs: Path = Path("docs")) -> dict[Path, str]:
    """Every generated page, by path relative to docs/."""
    out = {Path("index.md"): _index(docs)}
    for kind, (_, folder, _) in _KINDS.items():
        for name, schema in schemas(kind).items():
            out[Path(folder) / f"{name.removeprefix('dellsc_')}.md"] = _type_page(schema)
    for name, function in function_schemas().items():
        out[Path("functions") / f"{name}.md"] = _function_page(function)
    return {path: text.rstrip() + "\n" for path, text in out.items()}


def generate(out: Path, *, check: bool = False) -> int:
    stale = []
    for rel, text in pages(out).items():
        target = out / rel
        if target.exists() and target.read_text() == text:
            continue
        stale.append(str(target))
        if not check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    if check and stale:
        print("stale docs (run `make docs`): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0
