"""What writing new values over products would change, checked before anything
is written: the previews of an import and of a bulk action."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from products.history.batches import with_values
from products.history.changes import diff
from products.history.snapshots import snapshot
from products.models import Product, ProductChange


def check_values(product, values, fields):
    """What writing ``values`` over ``product`` (``None``: a new one) would
    change, validated as the staff forms validate theirs: ``full_clean()`` over
    ``fields``. Returns ``(errors, changes)``: ``[(field or "", message)]`` and
    the ``FieldChange`` list (empty when nothing would change)."""
    new = with_values(product or Product(), values)
    try:
        new.full_clean(
            exclude=[f.name for f in Product._meta.fields if f.name not in fields],
            # A batch matches rows by SKU or by product, and a new product's
            # address is made when it is saved; the constraints repeat the
            # field validators and guard every write anyway.
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        return [
            ("" if name == NON_FIELD_ERRORS else name, message)
            for name, messages in error.message_dict.items()
            for message in messages
        ], []
    return [], diff(snapshot(product) if product else {}, snapshot(new))


def unsaved_change(product, changes, name=""):
    """An unsaved ProductChange, so a preview shows values as the feed does."""
    action = ProductChange.Action.UPDATED if product else ProductChange.Action.CREATED
    return ProductChange(
        action=action,
        product=product,
        product_name=name or getattr(product, "name", ""),
        product_slug=getattr(product, "slug", ""),
        changes=[change.as_dict() for change in changes],
    )
