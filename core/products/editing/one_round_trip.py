"""A versioned update and its change row in one statement, on PostgreSQL.

The write path's common case, a form saved at the version it was opened at, is a
conditional ``UPDATE ... WHERE id = %s AND version = %s``, the insert of its
change row and the insert of what it adds to the stock counters: three round
trips to the database. On PostgreSQL all three go as one:

    WITH updated AS (UPDATE products_product SET ... WHERE id = %s
                     AND version = %s RETURNING id),
         counted AS (INSERT INTO products_stockcount (...)
                     SELECT ... FROM updated, UNNEST(%s, %s, %s) ... RETURNING id)
    INSERT INTO products_productchange (...) SELECT ..., updated.id, ...
    FROM updated RETURNING id, (SELECT MIN(id) FROM counted), (SELECT MAX(id) ...)

The change row and the counters' rows are inserted only if the update found its
version (both select from ``updated``): no row back means nothing was written at
all, as when the plain ``UPDATE`` counts no row. Everything is one statement of
the write's transaction, so it commits or rolls back whole, as the separate
statements did, and the counters' rows are only ever inserted, so concurrent
writers still never wait on each other there.
Both statements are the ones Django would compile (the update from the
queryset, each value prepared by its field), and the change row's ``pre_save``
and ``post_save`` signals are sent as its ``save()`` would send them, so what is
recorded is what the two-statement path records. Everything the path needs to
know beforehand is known: the row and version it writes, and the new version
the change row names (one more). SQLite, and a change left to a batch, keep the
two statements.
"""

import functools

from django.db import connections, router
from django.db.models.signals import post_save, pre_save

from products.alerts import stock_counts
from products.history import recording
from products.models import Product, ProductChange, StockCount


def applies(change):
    """Whether ``change`` (an unsaved change row, or None) can go with its
    update as one statement."""
    if change is None or change.batch_id is not None:
        return False  # nothing to insert, or the batch inserts it
    using = router.db_for_write(Product)
    return (
        connections[using].vendor == "postgresql"
        and router.db_for_write(ProductChange) == using
    )


def update_recorded(pk, version, values, change, counts=None):
    """Updates product ``pk`` at ``version`` with ``values`` (``{attname:
    value}``), raising its version by one, and inserts ``change`` with it, and
    ``counts`` (``stock_counts.difference``) into the stock counters.
    Returns whether the version was current (False: nothing written)."""
    using = router.db_for_write(Product)
    connection = connections[using]
    update_sql, update_params = _update_sql(pk, version, values, using)
    counts_sql, counts_params = _counts_sql(counts, using)
    insert_sql, insert_params = _insert_sql(change, using)
    qn = connection.ops.quote_name
    product_id = qn(Product._meta.pk.column)
    change_id = qn(ProductChange._meta.pk.column)
    counted_ids = "NULL, NULL"
    if counts_sql:
        count_id, counted = qn(StockCount._meta.pk.column), qn("counted")
        counts_sql = f", {counted} AS ({counts_sql} RETURNING {count_id})"
        counted_ids = (
            f"(SELECT MIN({count_id}) FROM {counted}), "
            f"(SELECT MAX({count_id}) FROM {counted})"
        )
    sql = (
        f"WITH {qn('updated')} AS ({update_sql} RETURNING {product_id}){counts_sql} "
        f"{insert_sql} FROM {qn('updated')} RETURNING {change_id}, {counted_ids}"
    )
    pre_save.send(
        sender=ProductChange,
        instance=change,
        raw=False,
        using=using,
        update_fields=None,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*update_params, *counts_params, *insert_params))
        row = cursor.fetchone()
    if row is None:
        return False
    change.pk, first_count, last_count = row
    change._state.adding = False
    change._state.db = using
    post_save.send(
        sender=ProductChange,
        instance=change,
        created=True,
        update_fields=None,
        raw=False,
        using=using,
    )
    if first_count is not None:
        stock_counts.added(first_count, last_count)
    recording.inserted(change)
    return True


def _update_sql(pk, version, values, using):
    """The ``UPDATE`` that ``QuerySet.filter(pk=pk, version=version).update(
    version=F("version") + 1, **values)`` runs, each value prepared by its field
    as there, without building a queryset for it (a third of the Python time of
    the write)."""
    connection = connections[using]
    qn = connection.ops.quote_name
    meta = Product._meta
    version_column = qn(meta.get_field("version").column)
    assignments, params = [f"{version_column} = ({version_column} + 1)"], []
    for attname, value in values.items():
        field = meta.get_field(attname)  # attnames are found too
        placeholder = "%s"
        if hasattr(field, "get_placeholder"):
            placeholder = field.get_placeholder(value, None, connection)
        assignments.append(f"{qn(field.column)} = {placeholder}")
        params.append(field.get_db_prep_save(value, connection=connection))
    sql = (
        f"UPDATE {qn(meta.db_table)} SET {', '.join(assignments)} "
        f"WHERE {qn(meta.pk.column)} = %s AND {version_column} = %s"
    )
    return sql, [*params, pk, version]


def _counts_sql(counts, using):
    """``INSERT INTO`` the stock counters ``SELECT`` the rows ``stock_counts.add``
    would insert, one array parameter per column (the statement is the same
    whatever the number of rows), once for the row ``updated`` returns: none
    when the version was not current. ``("", [])`` when there is nothing to
    add."""
    rows = stock_counts.rows_of(counts or {})
    if not rows:
        return "", []
    connection = connections[using]
    fields = [StockCount._meta.get_field(name) for name in COUNTED]
    # Each value prepared by its field, as bulk_create prepares it (amounts
    # come as ints and Decimals; an array takes one type).
    params = [
        [field.get_db_prep_save(value, connection=connection) for value in column]
        for field, column in zip(fields, zip(*rows))
    ]
    return _counts_statement(using), params


# The stock counters' columns a write gives, in ``stock_counts.rows_of``'s order.
COUNTED = ("counter", "bucket", "amount")


@functools.lru_cache(maxsize=None)
def _counts_statement(using):
    connection = connections[using]
    qn = connection.ops.quote_name
    meta = StockCount._meta
    arrays = ", ".join(
        f"%s::{meta.get_field(name).cast_db_type(connection)}[]" for name in COUNTED
    )
    columns = [qn(meta.get_field(name).column) for name in (*COUNTED, "folded")]
    taken = ", ".join(f"{qn('rows')}.{qn(name)}" for name in COUNTED)
    return (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {taken}, FALSE FROM {qn('updated')}, UNNEST({arrays}) "
        f"AS {qn('rows')} ({', '.join(qn(name) for name in COUNTED)})"
    )


def _insert_sql(change, using):
    """``INSERT INTO ... (columns) SELECT values``, each value prepared as
    ``save()`` prepares it and cast to its column's type (a bare parameter in a
    select list has none); the product's id comes from the update."""
    connection = connections[using]
    sql, fields = _insert_statement(using)
    params = [
        field.get_db_prep_save(field.pre_save(change, True), connection=connection)
        for field in fields
    ]
    return sql, params


@functools.lru_cache(maxsize=None)
def _insert_statement(using):
    """The change row's ``INSERT ... SELECT`` and the fields whose values its
    parameters are, in order: the same for every change row (each value is one
    ``%s``, cast), so made once per database rather than compiled per write
    (a fifth of the write's Python time)."""
    connection = connections[using]
    qn = connection.ops.quote_name
    columns, selected, fields = [], [], []
    for field in ProductChange._meta.local_concrete_fields:
        if field.primary_key:
            continue
        columns.append(qn(field.column))
        if field.attname == "product_id":
            selected.append(f"{qn('updated')}.{qn(Product._meta.pk.column)}")
            continue
        # A field that places its own parameter would need its value first.
        assert not hasattr(field, "get_placeholder"), field
        selected.append(f"CAST(%s AS {field.cast_db_type(connection)})")
        fields.append(field)
    table = qn(ProductChange._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(selected)}"
    return sql, tuple(fields)
