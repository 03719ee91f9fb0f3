"""The staff product table (``/products/manage/``): its query string, its URLs, inline
edits, the selection kept across pages, and its live cells."""
