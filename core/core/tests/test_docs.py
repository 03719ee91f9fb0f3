"""The README and docs/ stay true to the code: every link they make leads
somewhere, and every setting their tables name is one the settings read."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# Where settings are read: the settings modules and the live layer's defaults.
SETTINGS_SOURCES = [
    *sorted((REPO / "core" / "core" / "settings").glob("*.py")),
    REPO / "core" / "live" / "conf.py",
]
LINK = re.compile(r"\]\(([^)\s]+)\)")
# A table row whose first cell names settings: | `NAME`, `OTHER` | ...
SETTING_ROW = re.compile(r"^\|\s*((?:`[A-Z][A-Z0-9_]+`(?:,\s*)?)+)\s*\|", re.M)


def anchor(heading):
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces
    to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors_of(page):
    return {
        anchor(line.lstrip("#"))
        for line in page.read_text().splitlines()
        if line.startswith("#")
    }


def local_links(page):
    for target in LINK.findall(page.read_text()):
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        yield target


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_leads_to_a_file_and_heading_that_exist(page):
    broken = []
    for target in local_links(page):
        path, _, fragment = target.partition("#")
        found = (page.parent / path).resolve() if path else page
        if not found.exists():
            broken.append(target)
        elif fragment and found.suffix == ".md" and fragment not in anchors_of(found):
            broken.append(target)
    assert not broken, f"{page.name} links to what does not exist: {broken}"


def settings_named(page):
    for cell in SETTING_ROW.findall(page.read_text()):
        yield from re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)


@pytest.mark.parametrize(
    "page",
    [REPO / "README.md", REPO / "docs" / "configuration.md"],
    ids=lambda page: page.name,
)
def test_every_setting_a_table_names_is_read_by_the_settings(page):
    source = "\n".join(path.read_text() for path in SETTINGS_SOURCES)
    named = set(settings_named(page))
    assert named, f"{page.name} has no settings table"
    unread = sorted(name for name in named if f'"{name}"' not in source)
    assert not unread, f"{page.name} names settings nothing reads: {unread}"
