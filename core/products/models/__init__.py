from .category import Category
from .change import ProductChange
from .product import Product

__all__ = ["Category", "Product", "ProductChange"]
