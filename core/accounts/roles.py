def is_staff(user):
    """Staff may manage products and watch the change feed."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def can_watch_feed(user):
    """Who may watch the live change feed. Checked when a socket opens and
    re-checked against the database while it stays open."""
    return is_staff(user)
