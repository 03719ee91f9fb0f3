"""Placeholder product pictures for demo data, drawn with Pillow.

Each picture is a calm, neutral tile, like a product shot on a plain backdrop: a
soft "floor" line, a simple line icon for the product's category and the
category's name underneath. Few colours, stored as a palette PNG, so each file
stays a few kilobytes. The same category always gives the same bytes, so
regenerating a picture changes nothing.
"""

import math
from functools import lru_cache
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

SIZE = (600, 450)
FORMAT = "PNG"
EXTENSION = "png"

BACKDROP = (238, 240, 243)
FLOOR = (226, 229, 234)
INK = (112, 121, 135)
LABEL = (88, 97, 111)
# Drawn this many times larger, then scaled down: smooth edges in a few greys.
SUPERSAMPLE = 2
COLOURS = 24


def _mug(draw, box, width):
    left, top, right, bottom = box
    body = (left + 0.18 * (right - left), top + 0.2 * (bottom - top))
    body_box = (*body, left + 0.68 * (right - left), bottom)
    draw.rounded_rectangle(body_box, radius=width * 2, outline=INK, width=width)
    handle = (
        body_box[2] - width,
        top + 0.35 * (bottom - top),
        right - 0.05 * (right - left),
        top + 0.75 * (bottom - top),
    )
    draw.arc(handle, start=-90, end=90, fill=INK, width=width)


def _lamp(draw, box, width):
    left, top, right, bottom = box
    middle = (left + right) / 2
    shade = [
        (middle - 0.18 * (right - left), top),
        (middle + 0.18 * (right - left), top),
        (middle + 0.34 * (right - left), top + 0.38 * (bottom - top)),
        (middle - 0.34 * (right - left), top + 0.38 * (bottom - top)),
    ]
    draw.polygon(shade, outline=INK, width=width)
    draw.line(
        (middle, top + 0.38 * (bottom - top), middle, bottom), fill=INK, width=width
    )
    draw.line(
        (
            middle - 0.25 * (right - left),
            bottom,
            middle + 0.25 * (right - left),
            bottom,
        ),
        fill=INK,
        width=width,
    )


def _plug(draw, box, width):
    left, top, right, bottom = box
    middle = (left + right) / 2
    body = (
        middle - 0.28 * (right - left),
        top + 0.3 * (bottom - top),
        middle + 0.28 * (right - left),
        top + 0.72 * (bottom - top),
    )
    draw.rounded_rectangle(body, radius=width * 3, outline=INK, width=width)
    for offset in (-0.12, 0.12):
        x = middle + offset * (right - left)
        draw.line((x, top, x, body[1]), fill=INK, width=width)
    draw.line((middle, body[3], middle, bottom), fill=INK, width=width)


def _leaf(draw, box, width):
    left, top, right, bottom = box
    # A lens along the diagonal, bulging by a sine either side, and its vein.
    steps = 24
    span = (right - left, top - bottom)
    normal = (span[1] / 2.8, -span[0] / 2.8)
    points = []
    for side in (1, -1):
        for step in range(steps + 1):
            t = step / steps if side == 1 else 1 - step / steps
            bulge = side * math.sin(math.pi * t) * 0.5
            points.append(
                (
                    left + t * span[0] + bulge * normal[0],
                    bottom + t * span[1] + bulge * normal[1],
                )
            )
    draw.line(points + points[:1], fill=INK, width=width, joint="curve")
    draw.line((left, bottom, right, top), fill=INK, width=width)


def _drop(draw, box, width):
    left, top, right, bottom = box
    middle = (left + right) / 2
    radius = 0.34 * (right - left)
    centre_y = bottom - radius
    # Round at the bottom, meeting in a point at the top.
    points = [
        (
            middle + radius * math.cos(math.radians(angle)),
            centre_y + radius * math.sin(math.radians(angle)),
        )
        for angle in range(-30, 211, 10)
    ]
    draw.line(
        [(middle, top), *points, (middle, top)], fill=INK, width=width, joint="curve"
    )


def _blocks(draw, box, width):
    left, top, right, bottom = box
    side = 0.42 * (right - left)
    gap = 0.08 * (right - left)
    for x in (left, left + side + gap):
        draw.rectangle((x, bottom - side, x + side, bottom), outline=INK, width=width)
    x = left + (side + gap) / 2
    draw.rectangle(
        (x, bottom - 2 * side - gap, x + side, bottom - side - gap),
        outline=INK,
        width=width,
    )


def _box(draw, box, width):
    """Any other category: a parcel."""
    left, top, right, bottom = box
    inner = (left, top + 0.2 * (bottom - top), right, bottom)
    draw.rectangle(inner, outline=INK, width=width)
    draw.line((left, inner[1], left + 0.2 * (right - left), top), fill=INK, width=width)
    draw.line(
        (right, inner[1], right - 0.2 * (right - left), top), fill=INK, width=width
    )
    draw.line(
        (left + 0.2 * (right - left), top, right - 0.2 * (right - left), top),
        fill=INK,
        width=width,
    )
    middle = (left + right) / 2
    draw.line(
        (middle, inner[1], middle, inner[1] + 0.3 * (bottom - top)),
        fill=INK,
        width=width,
    )


# The first word of a category's name that appears here picks its icon.
ICONS = {
    "kitchen": _mug,
    "dining": _mug,
    "office": _lamp,
    "home": _lamp,
    "electronics": _plug,
    "outdoor": _leaf,
    "garden": _leaf,
    "bath": _drop,
    "body": _drop,
    "toys": _blocks,
    "games": _blocks,
}


def icon_for(category):
    words = (category or "").lower().replace("&", " ").split()
    return next((ICONS[word] for word in words if word in ICONS), _box)


@lru_cache(maxsize=8)
def font(size):
    return ImageFont.load_default(size=size)


def product_image(category="", size=SIZE):
    """Return the encoded picture (PNG bytes) for a product in ``category``."""
    width, height = (side * SUPERSAMPLE for side in size)
    image = Image.new("RGB", (width, height), BACKDROP)
    draw = ImageDraw.Draw(image)
    floor_top = round(height * 0.7)
    draw.rectangle((0, floor_top, width, height), fill=FLOOR)

    icon_size = round(height * 0.36)
    left = (width - icon_size) / 2
    top = floor_top - icon_size - round(height * 0.04)
    icon_for(category)(
        draw,
        (left, top, left + icon_size, top + icon_size),
        max(2, round(icon_size / 22)),
    )
    if category:
        draw.text(
            (width / 2, (floor_top + height) / 2),
            category,
            fill=LABEL,
            font=font(round(height * 0.065)),
            anchor="mm",
        )

    image = image.resize(size, Image.Resampling.LANCZOS)
    image = image.quantize(colors=COLOURS, dither=Image.Dither.NONE)
    buffer = BytesIO()
    image.save(buffer, format=FORMAT, optimize=True)
    return buffer.getvalue()
