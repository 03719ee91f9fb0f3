"""Many new rows of one model inserted fast, each instance given its pk.

``bulk_create`` builds one ``INSERT ... VALUES`` per 500 rows, and on
PostgreSQL psycopg binds every value client-side into the statement's text
(arrays and JSON quoted by Python): on a 100,000-row import that is most of the
write. Here PostgreSQL gets ``COPY ... FROM STDIN`` (psycopg 3) and SQLite one
prepared ``INSERT`` run with ``executemany``. Neither hands back the new ids,
so they are taken first: from the table's sequence on PostgreSQL (safe beside
other writers), past the highest used on SQLite (which writes one transaction
at a time, and this one holds the write lock once it has written).

Values are prepared as ``bulk_create`` prepares them (``pre_save`` with
``add``, then ``get_db_prep_save``), so both paths write the same rows; no
model signals are sent, as with ``bulk_create``.
"""

from django.db import connections, router

# Rows per ``executemany`` on SQLite, and ids asked of a sequence per query.
CHUNK = 2_000


def insert(model, instances):
    """Inserts ``instances`` (unsaved, without a pk) and sets their pks."""
    instances = list(instances)
    if not instances:
        return instances
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    for instance, pk in zip(instances, _new_ids(connection, meta, len(instances))):
        instance.pk = pk
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in [meta.pk, *fields])
    table = quote(meta.db_table)

    def rows():
        for instance in instances:
            yield [instance.pk] + [
                field.get_db_prep_save(field.pre_save(instance, True), connection)
                for field in fields
            ]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg's own cursor, past Django's wrapper: its errors are made
            # Django's here, so a unique address taken meanwhile is still the
            # IntegrityError the write path retries on.
            with connection.wrap_database_errors:
                copy_sql = f"COPY {table} ({columns}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in rows():
                        copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * (len(fields) + 1))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
            chunk = []
            for row in rows():
                chunk.append(row)
                if len(chunk) == CHUNK:
                    cursor.executemany(sql, chunk)
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)
    for instance in instances:
        instance._state.adding = False
        instance._state.db = alias
    return instances


def _new_ids(connection, meta, count):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                "FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(
            f"SELECT MAX({quote(meta.pk.column)}) FROM {quote(meta.db_table)}"
        )
        highest = cursor.fetchone()[0] or 0
        # AUTOINCREMENT never gives an id again, even one whose row is gone.
        cursor.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table]
        )
        used = cursor.fetchone()
        highest = max(highest, used[0] if used else 0)
        return range(highest + 1, highest + 1 + count)
