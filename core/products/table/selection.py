"""The products ticked in the staff table, kept in the session so that the
selection survives sorting, filtering and paging ("37 selected · clear"), and a
bulk action can run on it from any page of the table.

Each post names the products shown on the page (``page_product``) and those of
them ticked (``product``): the page's part of the selection is replaced, the
rest is kept. Repeating a post changes nothing, so answers arriving out of
order cannot untick what the user ticked.
"""

SESSION_KEY = "product_table_selection"
# A selection is a list in the session: bounded, like every input.
MAX_SELECTED = 5_000


def _pks(values):
    return {int(value) for value in values if value.isascii() and value.isdigit()}


def selected(session):
    """The pks selected, in the order they were ticked."""
    return list(session.get(SESSION_KEY, []))


def update(session, data):
    """Applies a post of the table's selection form (a QueryDict); returns
    False when it would go over ``MAX_SELECTED`` (nothing is changed)."""
    if data.get("clear"):
        session[SESSION_KEY] = []
        return True
    shown, ticked = _pks(data.getlist("page_product")), _pks(data.getlist("product"))
    ticked &= shown
    kept = [pk for pk in selected(session) if pk not in shown]
    new = kept + sorted(ticked)
    if len(new) > MAX_SELECTED:
        return False
    session[SESSION_KEY] = new
    return True


def forget(session, pks):
    """Drops ``pks`` (products that no longer exist) from the selection."""
    gone = set(pks)
    if gone:
        session[SESSION_KEY] = [pk for pk in selected(session) if pk not in gone]
