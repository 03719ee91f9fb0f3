from io import BytesIO

import pytest
from PIL import Image

from products.management.commands.seed_demo import CATEGORIES
from products.management.demo_images import SIZE, product_image

# The old pictures (a saturated colour, huge initials) were 11-14 kB each.
SMALL = 8 * 1024


def picture(data):
    with Image.open(BytesIO(data)) as image:
        image.load()
        return image.convert("RGB")


@pytest.mark.parametrize("category", [*CATEGORIES, "Pet Supplies", ""])
def test_a_demo_picture_is_a_small_neutral_tile(category):
    data = product_image(category)

    image = picture(data)
    assert image.size == SIZE
    assert len(data) < SMALL
    # Greys only: no channel strays far from the others anywhere in the picture.
    saturation = max(max(pixel) - min(pixel) for pixel in image.get_flattened_data())
    assert saturation <= 30
    # Mostly light backdrop, with a darker icon drawn on it.
    lightness = sorted(sum(pixel) / 3 for pixel in image.get_flattened_data())
    assert lightness[len(lightness) // 2] > 220
    assert lightness[0] < 140


def test_the_same_category_always_gives_the_same_bytes():
    assert product_image("Home Office") == product_image("Home Office")


def test_each_demo_category_has_its_own_picture():
    pictures = {product_image(category) for category in CATEGORIES}

    assert len(pictures) == len(CATEGORIES)
