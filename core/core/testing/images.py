"""Real image files made with Pillow in memory, for tests of uploads."""

import io
import os

from PIL import Image

IMAGE_EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}


def make_image_bytes(fmt="PNG", size=(8, 6), color=(200, 40, 40), noise=False):
    """Real image bytes in ``fmt`` (PNG, JPEG, WEBP, GIF). ``noise`` fills the
    picture with random pixels, which PNG cannot compress: the file is then
    about width x height x 3 bytes."""
    if noise:
        width, height = size
        picture = Image.frombytes("RGB", size, os.urandom(width * height * 3))
    else:
        picture = Image.new("RGB", size, color)
    buffer = io.BytesIO()
    options = {"compress_level": 0} if fmt == "PNG" and noise else {}
    picture.save(buffer, format=fmt, **options)
    return buffer.getvalue()
