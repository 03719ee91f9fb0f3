from products.models.batch import ChangeBatch
from products.models.category import Category
from products.models.change import ProductChange
from products.models.former_slug import FormerSlug
from products.models.product import Product
from products.models.stock_count import StockCount, StockCountCheck

__all__ = [
    "Category",
    "ChangeBatch",
    "FormerSlug",
    "Product",
    "ProductChange",
    "StockCount",
    "StockCountCheck",
]
