"""Placeholder product pictures for demo data, drawn with Pillow.

Each picture is a flat colour derived from the product's name, with the name's
initials in large letters and the name and SKU underneath. The same name and SKU
always give the same bytes, so regenerating a picture changes nothing.
"""

import colorsys
import hashlib
import textwrap
from functools import lru_cache
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

SIZE = (600, 450)
FORMAT = "PNG"
EXTENSION = "png"


def background_colour(name):
    """A fairly saturated, mid-light colour that is stable for a given name."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    hue = digest[0] / 255
    lightness = 0.38 + digest[1] / 255 * 0.22
    saturation = 0.45 + digest[2] / 255 * 0.35
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


def text_colour(background):
    """Near-black or near-white, whichever reads better on ``background``."""
    red, green, blue = background
    luminance = 0.299 * red + 0.587 * green + 0.114 * blue
    return (24, 24, 27) if luminance > 150 else (250, 250, 250)


def initials(name, limit=2):
    words = [word for word in name.replace("-", " ").split() if word[:1].isalnum()]
    letters = "".join(word[0] for word in words[:limit]).upper()
    return letters or "?"


@lru_cache(maxsize=8)
def font(size):
    return ImageFont.load_default(size=size)


def product_image(name, sku="", size=SIZE):
    """Return the encoded picture (PNG bytes) for a product."""
    width, height = size
    background = background_colour(name)
    ink = text_colour(background)
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)

    # A lighter band at the bottom holds the name, so it reads on any colour.
    band_top = round(height * 0.68)
    band = tuple(min(255, channel + 40) for channel in background)
    draw.rectangle((0, band_top, width, height), fill=band)
    band_ink = text_colour(band)

    draw.text(
        (width / 2, band_top / 2),
        initials(name),
        fill=ink,
        font=font(round(height * 0.36)),
        anchor="mm",
    )

    label_size = max(12, round(height * 0.06))
    lines = textwrap.wrap(name, width=max(10, width // (label_size * 0.55))) or [""]
    label = "\n".join(lines[:2])
    if sku:
        label += f"\n{sku}"
    draw.multiline_text(
        (width / 2, (band_top + height) / 2),
        label,
        fill=band_ink,
        font=font(label_size),
        anchor="mm",
        align="center",
        spacing=4,
    )

    buffer = BytesIO()
    image.save(buffer, format=FORMAT, optimize=False, compress_level=6)
    return buffer.getvalue()
