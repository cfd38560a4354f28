"""What every chart test checks: the bytes are a PNG that decodes, small enough for metadata."""

import base64
import io

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


def markdown_png(markdown: str, alt: str) -> bytes:
    """The PNG inside ``![alt](data:image/png;base64,...)``."""
    prefix = f"![{alt}](data:image/png;base64,"
    assert markdown.startswith(prefix) and markdown.endswith(")")
    return base64.b64decode(markdown[len(prefix) : -1], validate=True)
