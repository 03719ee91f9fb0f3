"""Categories an import names: found by name or slug, any case; one the catalog
lacks is created on confirmation when the importing user may add categories
(``products.add_category``), else its rows are refused saying who may.
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from products.models import Category

NAME_LENGTH: int = Category._meta.get_field("name").max_length or 0  # a CharField's
SLUG_LENGTH = Category._meta.get_field("slug").max_length
ADD_CATEGORY = "products.add_category"
WHO_MAY_ADD = (
    "Unknown category “{name}”. Only staff allowed to add categories (the "
    "“Can add category” permission, given in the admin) can import a new one: "
    "ask one of them, or name an existing category."
)


class CategoryLookup:
    """Categories by name or slug, any case. With ``may_add``, a name the
    catalog lacks is noted in ``new`` (name as first written) instead of refused."""

    def __init__(self, may_add=False):
        self.may_add = may_add
        self.new = {}  # slug -> name
        self.known = {}
        for category in Category.objects.all():
            self.known[category.name.casefold()] = category
            self.known.setdefault(category.slug.casefold(), category)

    def learn(self, names):
        """Knows the categories ``names`` (``{slug: name}``), created since."""
        for category in Category.objects.filter(slug__in=list(names)):
            self.known[category.name.casefold()] = category
            self.known.setdefault(category.slug.casefold(), category)

    def find(self, text):
        text = text.strip()
        if not text:
            return None
        slug = slugify(text, allow_unicode=True)[:SLUG_LENGTH]
        # "Garden tools!" is the category whose slug is garden-tools.
        category = self.known.get(text.casefold()) or self.known.get(slug.casefold())
        if category is not None:
            return category
        if not self.may_add:
            raise ValidationError(WHO_MAY_ADD.format(name=text))
        if not slug or len(text) > NAME_LENGTH:
            raise ValidationError(
                f"“{text}” cannot name a new category: it needs a letter or digit "
                f"and at most {NAME_LENGTH} characters."
            )
        self.new.setdefault(slug, text)
        return None  # the plan is made again once it exists


def create(names):
    """Creates the categories named (``{slug: name}``) that do not exist yet."""
    for slug, name in names.items():
        Category.objects.get_or_create(slug=slug, defaults={"name": name})


@contextmanager
def created_for(names, keep):
    """Inside: the categories ``names`` exist. Kept if ``keep`` (the
    confirmation's transaction), else undone (a preview writes nothing)."""
    with transaction.atomic():
        create(names)
        yield
        if not keep:
            transaction.set_rollback(True)
