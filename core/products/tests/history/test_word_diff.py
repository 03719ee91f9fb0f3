"""The word diff of long texts (pure: runs with ``-p no:django``)."""

from products.history.word_diff import (
    ADDED,
    ELLIPSIS,
    GAP,
    REMOVED,
    SAME,
    SPAN_CHARACTERS,
    as_text,
    changed_words,
    marked,
)

DESCRIPTION = (
    "Soft cotton towel, 50 by 70 centimetres, dyed with plant colours, woven in "
    "Portugal, and machine washable at 30 degrees. ending"
)


def test_a_change_at_the_end_shows_the_words_before_it():
    new = DESCRIPTION.replace("ending", "zq42")

    shown = as_text(changed_words(DESCRIPTION, new))

    assert shown == "… machine washable at 30 degrees. ~~ending~~ **zq42**"


def test_a_change_at_the_start_shows_the_words_after_it():
    new = DESCRIPTION.replace("Soft", "Thick")

    shown = as_text(changed_words(DESCRIPTION, new))

    assert shown == "~~Soft~~ **Thick** cotton towel, 50 by 70 …"


def test_changes_far_apart_are_shown_each_with_its_context():
    old = " ".join(f"w{n}" for n in range(40))
    new = old.replace("w3 ", "X ").replace("w30 ", "Y ")

    segments = changed_words(old, new, context=2)

    assert as_text(segments) == (
        "… w1 w2 ~~w3~~ **X** w4 w5 … w28 w29 ~~w30~~ **Y** w31 w32 …"
    )


def test_changes_close_together_keep_the_words_between_them():
    shown = as_text(changed_words("a b c d e", "a B c D e", context=1))

    assert shown == "a ~~b~~ **B** c ~~d~~ **D** e"


def test_spaces_between_words_are_no_change():
    assert changed_words("a  b", "a b") == []


def test_added_and_removed_words_alone():
    assert as_text(changed_words("one two", "one two three")) == "one two **three**"
    assert as_text(changed_words("one two three", "one three")) == "one ~~two~~ three"
    assert changed_words("", "new text") == [(ADDED, "new text")]


def test_the_diff_is_bounded_whatever_the_texts_hold():
    old = " ".join(f"w{n}" for n in range(2000))
    new = " ".join(f"w{n}" if n % 3 else "x" * 5000 for n in range(2000))

    segments = changed_words(old, new)

    assert segments[-1] == (GAP, f"{ELLIPSIS} and 662 more changes")
    assert sum(kind in (REMOVED, ADDED) for kind, _ in segments) == 10
    assert all(len(text) <= SPAN_CHARACTERS + 1 for _, text in segments)


def test_marked_spans_cover_both_whole_texts():
    old, new = marked("a b c", "a x c d")

    assert "".join(text for _, text in old) == "a b c"
    assert "".join(text for _, text in new) == "a x c d"
    assert old == [(SAME, "a"), (REMOVED, " b"), (SAME, " c")]
    assert new == [(SAME, "a"), (ADDED, " x"), (SAME, " c"), (ADDED, " d")]
