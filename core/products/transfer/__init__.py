"""Products in and out in numbers: spreadsheet import (read a file with ``reading`` and
``cell_values``, plan what it would do with ``planning``, keep a previewed file with
``pending``; ``editing.writes.products_import`` applies the plan), export in the
import's columns, and bulk actions.

Written with the ``csv`` module, openpyxl/odfpy for workbooks and the model's own
validation rather than django-import-export: the rows must go through ``editing.writes``
(versions, one change batch, one announcement), which that library's save path would
bypass, and its preview, row errors and formats would mostly be re-done here.
"""
