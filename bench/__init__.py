"""``make bench``: live-feed delivery, write path and catalog figures on loopback."""
