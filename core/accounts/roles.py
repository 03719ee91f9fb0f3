def is_staff(user):
    """Staff may manage products and watch the change feed."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def can_watch_feed(user):
    """Who may watch the live change feed. Checked when a socket opens (on the
    event loop: a check that queries, such as ``has_perm``, has to go through
    ``database_sync_to_async`` there) and re-checked in a worker thread, against
    the database, while it stays open (``dashboard.validity``)."""
    return is_staff(user)
