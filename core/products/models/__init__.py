from .batch import ChangeBatch
from .category import Category
from .change import ProductChange
from .former_slug import FormerSlug
from .product import Product
from .stock_count import StockCount, StockCountCheck

__all__ = [
    "Category",
    "ChangeBatch",
    "FormerSlug",
    "Product",
    "ProductChange",
    "StockCount",
    "StockCountCheck",
]
