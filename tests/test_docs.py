"""The docs: every relative link resolves, and the format reference names every key of the schema."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_links_resolve(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://")):
            continue
        assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_format_reference_covers_the_schema():
    schema = json.loads((ROOT / "schemas" / "measure.schema.json").read_text())
    text = (ROOT / "docs" / "measure-format.md").read_text(encoding="utf-8")
    keys = set(schema["properties"]) | set(schema["$defs"]["fact"]["properties"])
    keys |= set(schema["$defs"]["decision"]["properties"]) | set(schema["$defs"]["rule"]["properties"])
    missing = sorted(k for k in keys if f"`{k}`" not in text)
    assert not missing, f"docs/measure-format.md does not describe: {missing}"


def test_every_measure_has_a_page():
    for measure in (ROOT / "measures").glob("*.yaml"):
        assert (ROOT / "docs" / "measures" / f"{measure.stem}.md").exists(), measure.stem
