"""Which words of a long text a change replaced: the changed words with a little
context on each side, so that a change at the end of a long description shows
(``… machine washable at 30 degrees. ~~ending~~ **zq42**``), and the changed
spans of the whole texts, to highlight them.

Pure: no Django (``difflib``). Segments are ``(kind, text)`` pairs, kind one of
``SAME``, ``REMOVED``, ``ADDED`` and ``GAP`` (text left out: an ellipsis). The
shown diff is bounded whatever the texts hold (``MAX_CHANGES`` changes, each cut
to ``SPAN_CHARACTERS``), so a change row pushed to the feed stays small.
"""

import re
from difflib import SequenceMatcher

SAME, REMOVED, ADDED, GAP = "same", "removed", "added", "gap"
ELLIPSIS = "…"
# Words of unchanged text shown on each side of a change.
CONTEXT_WORDS = 5
# Changes shown; the rest are counted (the full values are one click away).
MAX_CHANGES = 5
# A removed or added span longer than this is cut, with an ellipsis.
SPAN_CHARACTERS = 160

# A word with the spaces before it; the text's trailing spaces as one more token.
_TOKEN = re.compile(r"\s*\S+|\s+$")


def tokens(text):
    return _TOKEN.findall(text or "")


def opcodes(old, new):
    """``(tag, old tokens, new tokens)`` per run, compared word by word (spaces
    between words do not count as a change)."""
    before, after = tokens(old), tokens(new)
    matcher = SequenceMatcher(
        None, [t.strip() for t in before], [t.strip() for t in after], autojunk=False
    )
    return [
        (tag, before[i1:i2], after[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]


def cut(text, limit=SPAN_CHARACTERS):
    if len(text) <= limit:
        return text
    return text[:limit].rstrip() + ELLIPSIS


def changed_words(old, new, context=CONTEXT_WORDS, max_changes=MAX_CHANGES):
    """The segments showing what changed from ``old`` to ``new``, with up to
    ``context`` unchanged words each side of every change; at most
    ``max_changes`` changes, then a ``GAP`` saying how many more there are."""
    runs = opcodes(old, new)
    total = sum(tag != "equal" for tag, _, _ in runs)
    segments, shown = [], 0
    for index, (tag, removed, added) in enumerate(runs):
        if tag != "equal":
            if shown == max_changes:
                more = total - shown
                s = "s" if more > 1 else ""
                segments.append((GAP, f"{ELLIPSIS} and {more} more change{s}"))
                break
            shown += 1
            segments += [(REMOVED, cut("".join(removed)))] if removed else []
            segments += [(ADDED, cut("".join(added)))] if added else []
            continue
        first, last = index == 0, index == len(runs) - 1 or shown == max_changes
        segments += unchanged(removed, context, first, last)
    return segments


def unchanged(words, context, first, last):
    """The segments of an unchanged run: its end before the first change, its
    start after the last, its ends between two (all of it if short)."""
    if first and last:
        return []
    if first:
        head, tail = [], words[-context:]
    elif last:
        head, tail = words[:context], []
    elif len(words) <= 2 * context:
        return [(SAME, "".join(words))]
    else:
        head, tail = words[:context], words[-context:]
    segments = [(SAME, "".join(head))] if head else []
    if len(head) + len(tail) < len(words):
        segments.append((GAP, ELLIPSIS))
    return segments + ([(SAME, "".join(tail))] if tail else [])


def marked(old, new):
    """``(old segments, new segments)``: each whole text, its changed spans
    marked (``REMOVED`` in the old, ``ADDED`` in the new)."""
    old_segments, new_segments = [], []
    for tag, removed, added in opcodes(old, new):
        if tag == "equal":
            old_segments.append((SAME, "".join(removed)))
            new_segments.append((SAME, "".join(added)))
            continue
        if removed:
            old_segments.append((REMOVED, "".join(removed)))
        if added:
            new_segments.append((ADDED, "".join(added)))
    return old_segments, new_segments


def as_text(segments):
    """The segments as plain text, ``~~removed~~ **added**`` (for logs, exports
    and tests)."""
    marks = {SAME: "{}", GAP: "{}", REMOVED: "~~{}~~", ADDED: "**{}**"}
    return " ".join(marks[kind].format(text.strip()) for kind, text in segments)
