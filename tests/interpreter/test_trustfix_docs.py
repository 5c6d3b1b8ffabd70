"""The security and error pages state what the code does: the size limit, patterns, the cache warning."""
from __future__ import annotations

from pathlib import Path

from rulerun.dsl.files import MAX_FILE_BYTES
from rulerun.dsl.patterns import compile_pattern

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_size_limit_is_the_one_read():
    security = (DOCS / "security.md").read_text()
    assert f"{MAX_FILE_BYTES:,}".replace(",", " ") + " bytes" in security
    assert "5 000 000" not in security


def test_a_nested_repetition_is_accepted_as_the_page_says():
    assert "`(a+)+` is accepted" in (DOCS / "security.md").read_text()
    assert compile_pattern("(a+)+b").fullmatch("a" * 10_000 + "b")


def test_the_cache_warning_is_shown_with_the_folder_as_it_is_printed():
    for page in ("security.md", "errors.md"):
        assert "cache: warning:" not in (DOCS / page).read_text()
