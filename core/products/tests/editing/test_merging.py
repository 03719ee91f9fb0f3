"""The pure three-way merge of a stale edit. No database, no Django:
``pytest -p no:django core/products/tests/editing/test_merging.py``."""

from decimal import Decimal

from products.editing.merging import MINE, THEIRS, UNKNOWN, Conflict, merge

BASE = {"price": Decimal("15.00"), "quantity": 7, "supplier": "Acme"}


def test_a_field_only_they_changed_keeps_their_value_and_says_so():
    theirs = {**BASE, "price": Decimal("17.25")}
    mine = {**BASE, "quantity": 3}

    result = merge(BASE, mine, theirs)

    assert result.conflicts == []
    assert result.values(mine, theirs) == {
        "price": Decimal("17.25"),
        "quantity": 3,
        "supplier": "Acme",
    }
    assert result.kept == ["price"]


def test_a_field_only_i_changed_takes_my_value_silently():
    mine = {**BASE, "supplier": "Brill"}

    result = merge(BASE, mine, dict(BASE))

    assert result.values(mine, BASE)["supplier"] == "Brill"
    assert (result.kept, result.conflicts) == ([], [])


def test_both_changing_to_the_same_value_is_no_conflict():
    both = {**BASE, "price": Decimal("17.25")}

    result = merge(BASE, both, {**both, "price": Decimal("17.250")})

    assert (result.kept, result.conflicts) == ([], [])
    assert result.sides["price"] == MINE


def test_both_changing_differently_is_a_conflict_with_the_three_values():
    mine = {**BASE, "price": Decimal("16.00")}
    theirs = {**BASE, "price": Decimal("17.25")}

    result = merge(BASE, mine, theirs)

    assert result.conflicts == [
        Conflict("price", Decimal("15.00"), Decimal("16.00"), Decimal("17.25"))
    ]
    assert "price" not in result.sides


def test_a_choice_decides_a_conflict_either_way():
    mine = {**BASE, "price": Decimal("16.00")}
    theirs = {**BASE, "price": Decimal("17.25")}

    for choice, expected in ((MINE, "16.00"), (THEIRS, "17.25")):
        result = merge(BASE, mine, theirs, chosen={"price": choice})
        assert result.conflicts == []
        assert result.values(mine, theirs)["price"] == Decimal(expected)


def test_a_choice_applies_even_where_the_merge_would_decide_otherwise():
    mine = {**BASE, "price": Decimal("16.00")}

    result = merge(BASE, mine, dict(BASE), chosen={"price": THEIRS})

    assert result.values(mine, BASE)["price"] == Decimal("15.00")


def test_an_unknown_base_makes_every_difference_a_conflict():
    mine = {**BASE, "quantity": 3}
    theirs = {**BASE, "price": Decimal("17.25")}

    result = merge({}, mine, theirs)

    assert [c.field for c in result.conflicts] == ["price", "quantity"]
    assert result.conflicts[0].base is UNKNOWN
    assert result.sides["supplier"] == MINE  # the same on both sides


def test_empty_and_none_are_the_same_value():
    result = merge({"supplier": None}, {"supplier": ""}, {"supplier": "Brill"})

    assert result.kept == ["supplier"]


def test_only_the_fields_sent_are_merged():
    theirs = {**BASE, "price": Decimal("17.25")}

    result = merge(BASE, {"quantity": 3}, theirs)

    assert result.values({"quantity": 3}, theirs) == {"quantity": 3}
    assert result.kept == []
