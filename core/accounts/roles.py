def is_staff(user):
    """Staff may manage products and watch the change feed."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)
