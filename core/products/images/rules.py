"""Rules for product images: which files are accepted and under which name they are
stored. Used by the model field, so forms, the admin and ``full_clean()`` agree."""

import os
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.template.defaultfilters import filesizeformat
from PIL import Image

# Detected format -> the extension a stored file gets. No SVG: it can carry script.
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
ALLOWED_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "gif"]
FORMAT_NAMES = "JPEG, PNG, WebP or GIF"
FORMAT_MESSAGE = f"Upload a {FORMAT_NAMES} image."
# What a file input offers to pick: the same formats, as media types.
ACCEPT = ",".join(f"image/{name.lower()}" for name in EXTENSIONS)
NOT_AN_IMAGE = (
    "Upload a valid image. The file you uploaded was either not an image or a "
    "corrupted image."
)
INCOMPLETE_MESSAGE = (
    "The image file is incomplete (cut short during upload or saving); "
    "upload the whole file."
)

# The chunk that ends every PNG (length 0, type, CRC). Pillow decodes a PNG cut
# inside it without complaint, so its presence is checked by hand.
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"

# Instead of Django's default list, which accepts every extension Pillow knows
# (.pdf, .eps, ...).
validate_image_extension = FileExtensionValidator(
    ALLOWED_EXTENSIONS, message=FORMAT_MESSAGE, code="invalid_image_format"
)


def help_text():
    """The image field's help, with the configured size limit."""
    limit = filesizeformat(settings.PRODUCT_IMAGE_MAX_BYTES).replace("\xa0", " ")
    return f"{FORMAT_NAMES}, at most {limit}."


def is_new_upload(value):
    """A file assigned but not stored yet. Stored files were checked when uploaded
    (and reading them again on every edit would cost a storage round trip)."""
    return bool(value) and not getattr(value, "_committed", True)


def validate_product_image(value):
    """Size, format, pixel count and completeness of a newly uploaded image."""
    if not is_new_upload(value):
        return
    validate_image_extension(value)
    limit = settings.PRODUCT_IMAGE_MAX_BYTES
    if value.size > limit:
        # Exact figures: rounded ones could read "5.0 MB; the limit is 5.0 MB".
        raise ValidationError(
            f"The image is {value.size:,} bytes; "
            f"the limit is {filesizeformat(limit)} ({limit:,} bytes).",
            code="image_too_large",
        )
    file = value.file
    try:
        file.seek(0)
        with Image.open(file) as picture:
            image_format, (width, height) = picture.format, picture.size
            if image_format not in EXTENSIONS:
                raise ValidationError(FORMAT_MESSAGE, code="invalid_image_format")
            if width * height > settings.PRODUCT_IMAGE_MAX_PIXELS:
                raise ValidationError(
                    f"The image is {width}×{height} pixels; at most "
                    f"{settings.PRODUCT_IMAGE_MAX_PIXELS:,} pixels are allowed.",
                    code="image_too_many_pixels",
                )
            picture.verify()
        # verify() reads only the structure and misses JPEGs and GIFs cut short:
        # decoding the pixels finds them. The pixel limit above bounds the cost.
        file.seek(0)
        with Image.open(file) as picture:
            picture.load()
        file.seek(0)
        if image_format == "PNG" and PNG_END not in file.read():
            raise ValidationError(INCOMPLETE_MESSAGE, code="image_incomplete")
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:  # far above our own limit
        raise ValidationError(
            f"The image has too many pixels; at most "
            f"{settings.PRODUCT_IMAGE_MAX_PIXELS:,} pixels are allowed.",
            code="image_too_many_pixels",
        ) from error
    except Exception as error:  # Pillow raises many kinds for broken input
        if "truncated" in str(error).lower():
            raise ValidationError(INCOMPLETE_MESSAGE, code="image_incomplete")
        raise ValidationError(NOT_AN_IMAGE, code="invalid_image") from error
    finally:
        file.seek(0)


def detected_format(file):
    """Pillow's name for the file's format, or ``None`` if it is not an image."""
    try:
        file.seek(0)
        with Image.open(file) as picture:
            return picture.format
    except Exception:  # not an image: the caller keeps the name it was given
        return None
    finally:
        file.seek(0)


def stored_name(name, image_format):
    """``name`` with the extension of the detected format, and a generated stem if
    it has none (``" .png"`` would otherwise be stored as the hidden ``.png``)."""
    folder, base = os.path.split(name)
    stem, extension = os.path.splitext(base.strip())
    if not extension and stem.startswith("."):  # ".png": all extension, no stem
        stem, extension = "", stem
    stem = stem.strip(" .")
    if not stem:
        stem = f"image-{secrets.token_hex(4)}"
    extension = EXTENSIONS.get(image_format) or extension.lstrip(".")
    return os.path.join(folder, f"{stem}.{extension}" if extension else stem)
