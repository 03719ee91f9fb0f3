"""The search of the catalog and the staff table: a case-insensitive substring
of the name, the SKU or the description. The same on both backends; on
PostgreSQL trigram indexes of exactly these expressions answer it (migration
0009), and ``paging.sorted_from_matches`` sorts what it finds."""

from django.db.models import Q


def matching(products, query):
    """``products`` whose name, SKU or description holds ``query`` (all of them
    when it is empty)."""
    query = query.strip()
    if not query:
        return products
    return products.filter(
        Q(name__icontains=query)
        | Q(sku__icontains=query)
        | Q(description__icontains=query)
    )
