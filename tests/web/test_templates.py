"""Every CSS class the templates use exists in the vendored NL Design System
CSS or in our own app.css: a renamed class after an upgrade of the vendored
packages is caught here, not by a user."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "ontzorging" / "web"


def test_every_class_in_the_templates_is_defined() -> None:
    css = "".join(p.read_text("utf-8") for p in (WEB / "static").rglob("*.css"))
    defined = set(re.findall(r"\.(-?[A-Za-z_][A-Za-z0-9_-]*)", css))
    used: set[str] = set()
    for template in (WEB / "templates").glob("*.html"):
        for attribute in re.findall(r'class="([^"]*)"', template.read_text("utf-8")):
            without_jinja = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", attribute)
            used.update(without_jinja.split())
    assert used, "no classes found"
    assert sorted(used - defined) == []


def test_no_inline_script_or_style_in_the_templates() -> None:
    for template in (WEB / "templates").glob("*.html"):
        text = template.read_text("utf-8")
        assert "<script" not in text and "<style" not in text and " style=" not in text
