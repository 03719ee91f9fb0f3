"""A versioned update and its change row in one statement, on PostgreSQL.

The write path's common case, a form saved at the version it was opened at, is a
conditional ``UPDATE ... WHERE id = %s AND version = %s`` and the insert of its
change row: two round trips to the database. On PostgreSQL both go as one:

    WITH updated AS (UPDATE products_product SET ... WHERE id = %s
                     AND version = %s RETURNING id)
    INSERT INTO products_productchange (...) SELECT ..., updated.id, ...
    FROM updated RETURNING id

The change row is inserted only if the update found its version: no row back
means nothing was written at all, as when the plain ``UPDATE`` counts no row.
Both statements are the ones Django would compile (the update from the
queryset, each value prepared by its field), and the change row's ``pre_save``
and ``post_save`` signals are sent as its ``save()`` would send them, so what is
recorded is what the two-statement path records. Everything the path needs to
know beforehand is known: the row and version it writes, and the new version
the change row names (one more). SQLite, and a change left to a batch, keep the
two statements.
"""

from django.db import connections, router
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery

from products.history import recording
from products.models import Product, ProductChange


def applies(change: ProductChange | None) -> bool:
    """Whether ``change`` (an unsaved change row, or None) can go with its
    update as one statement."""
    if change is None or change.batch_id is not None:
        return False  # nothing to insert, or the batch inserts it
    using = router.db_for_write(Product)
    return (
        connections[using].vendor == "postgresql"
        and router.db_for_write(ProductChange) == using
    )


def update_recorded(
    pk: int,
    version: int,
    values: dict[str, object],
    change: ProductChange,
    counts: recording.Counts | None = None,
) -> bool:
    """Updates product ``pk`` at ``version`` with ``values`` (``{attname:
    value}``), raising its version by one, and inserts ``change`` with it.
    Returns whether the version was current (False: nothing written)."""
    using = router.db_for_write(Product)
    connection = connections[using]
    update_sql, update_params = _update_sql(pk, version, values, using)
    insert_sql, insert_params = _insert_sql(change, using)
    qn = connection.ops.quote_name
    product_id = qn(Product._meta.pk.column)
    sql = (
        f"WITH {qn('updated')} AS ({update_sql} RETURNING {product_id}) "
        f"{insert_sql} FROM {qn('updated')} "
        f"RETURNING {qn(ProductChange._meta.pk.column)}"
    )
    pre_save.send(
        sender=ProductChange,
        instance=change,
        raw=False,
        using=using,
        update_fields=None,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*update_params, *insert_params))
        row = cursor.fetchone()
    if row is None:
        return False
    change.pk = row[0]
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
    recording.inserted(change, counts)
    return True


def _update_sql(
    pk: int, version: int, values: dict[str, object], using: str
) -> tuple[str, list[object]]:
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


def _insert_sql(change: ProductChange, using: str) -> tuple[str, list[object]]:
    """``INSERT INTO ... (columns) SELECT values``, each value prepared as
    ``save()`` prepares it and cast to its column's type (a bare parameter in a
    select list has none); the product's id comes from the update."""
    connection = connections[using]
    fields = [
        field
        for field in ProductChange._meta.local_concrete_fields
        if not field.primary_key
    ]
    query = InsertQuery(ProductChange)
    query.insert_values(fields, [change])
    compiler = query.get_compiler(using)
    qn = connection.ops.quote_name
    columns, selected, params = [], [], []
    for field in fields:
        columns.append(qn(field.column))
        if field.attname == "product_id":
            selected.append(f"{qn('updated')}.{qn(Product._meta.pk.column)}")
            continue
        value = compiler.prepare_value(field, compiler.pre_save_val(field, change))
        placeholder, value_params = compiler.field_as_sql(
            field, getattr(field, "get_placeholder", None), value
        )
        selected.append(f"CAST({placeholder} AS {field.cast_db_type(connection)})")
        params.extend(value_params)
    table = qn(ProductChange._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(selected)}"
    return sql, params
