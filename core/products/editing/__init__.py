"""Changing products: the forms, the write path every change goes through (versions,
the model's validation, merging a stale edit), images and their files, and the live
warning an open edit form receives."""
