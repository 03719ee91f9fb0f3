"""The channel-layer group every process's feed hub joins."""

FEED_GROUP = "product-feed"
