"""Slug rules for products: made from the name, never empty, never a reserved word."""

from typing import Optional

from django.core.exceptions import ValidationError
from django.utils.text import slugify

# Path segments under /products/ that a product slug must not shadow.
RESERVED_SLUGS = frozenset({"create", "import", "bulk", "manage"})
MAX_BASE_LENGTH = 200


def slug_from_name(name: Optional[str]) -> str:
    """ASCII slug when the name has latin letters or digits, else a unicode one."""
    text = name or ""
    slug = slugify(text) or slugify(text, allow_unicode=True)
    return slug[:MAX_BASE_LENGTH].strip("-")


def slug_problem(slug: str) -> Optional[str]:
    """Why ``slug`` cannot be used as a product's address, or ``None``."""
    if not slug:
        return "The name needs at least one letter or digit to make a web address."
    if slug in RESERVED_SLUGS:
        return f"“{slug}” is reserved for the site's own pages; choose another."
    return None


def validate_slug_base(slug: str, field: str = "name") -> None:
    problem = slug_problem(slug)
    if problem:
        raise ValidationError({field: problem})


def numbered(base: str, number: int) -> str:
    return base if number == 1 else f"{base}-{number}"
