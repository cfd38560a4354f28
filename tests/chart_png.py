"""What every chart test checks: the bytes are a PNG that decodes, small enough for metadata."""

import base64
import io

import numpy as np
from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Metadata stays in the run history: a chart must stay in the tens of kilobytes.
MAX_PNG_BYTES = 150_000


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a valid, small PNG; fails the test otherwise."""
    assert png.startswith(PNG_SIGNATURE)
    assert len(png) < MAX_PNG_BYTES, len(png)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        image.load()  # decodes every pixel: a truncated file fails here
        width, height = image.size
    assert width > 0 and height > 0
    return width, height


def pixels(png: bytes) -> np.ndarray:
    """The RGB pixels of a valid, small PNG (``png_size`` checks it first)."""
    png_size(png)
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"))


def ink_share(png: bytes) -> float:
    """Share of pixels that are not white: above zero when anything at all was drawn."""
    return float((pixels(png) < 250).any(axis=2).mean())


def same_picture(first: bytes, second: bytes) -> bool:
    """Whether two PNGs show the same pixels."""
    a, b = pixels(first), pixels(second)
    return a.shape == b.shape and bool((a == b).all())


def markdown_png(markdown: str, alt: str) -> bytes:
    """The PNG inside ``![alt](data:image/png;base64,...)``."""
    prefix = f"![{alt}](data:image/png;base64,"
    assert markdown.startswith(prefix) and markdown.endswith(")")
    return base64.b64decode(markdown[len(prefix) : -1], validate=True)
