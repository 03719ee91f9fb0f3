"""Channel-layer group names (letters, digits, hyphens, dots only)."""

FEED_GROUP = "product-feed"


def user_group(user_id):
    return f"product-feed-user-{user_id}"
