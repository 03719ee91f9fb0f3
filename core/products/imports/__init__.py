"""CSV import of products: read a file (``reading``), plan what it would do
against the catalog (``planning``), keep a previewed file until it is confirmed
(``pending``); ``writes.products_import`` applies the plan.

Written with the ``csv`` module and the model's own validation rather than
django-import-export: the rows must go through ``writes`` (versions, one change
batch, one announcement), which that library's save path would bypass, and its
preview, row errors and formats (xlsx, json ...) would mostly be re-done here.
"""
