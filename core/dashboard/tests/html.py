"""Read pushed messages the way the htmx ws extension does: by top-level element."""

from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _TopLevel(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = 0
        self.elements = []

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag not in VOID:
            self.depth -= 1


def top_level(html):
    """[(tag, attributes)] of the message's top-level elements."""
    parser = _TopLevel()
    parser.feed(html)
    parser.close()
    return parser.elements


def oob_targets(html):
    """{id: hx-swap-oob} of the top-level elements; each must have both."""
    elements = top_level(html)
    assert elements, "empty message"
    for tag, attrs in elements:
        assert tag != "tr", "bare top-level <tr> is dropped by htmx"
        assert attrs.get("id") and attrs.get("hx-swap-oob"), (tag, attrs)
    return {attrs["id"]: attrs["hx-swap-oob"] for _, attrs in elements}
