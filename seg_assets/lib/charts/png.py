"""A matplotlib figure as a markdown image: small PNGs, because metadata stays in run history."""

import base64
import io

import matplotlib

matplotlib.use("Agg")  # no display: draw to memory only

from matplotlib.figure import Figure

DPI = 90


def new_figure(width: float = 8.0, height: float = 4.5) -> Figure:
    """A figure not registered with pyplot (nothing global to close or leak)."""
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def png_bytes(figure: Figure) -> bytes:
    """The figure encoded as PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def png_markdown(png: bytes, alt: str) -> str:
    """``![alt](data:image/png;base64,...)`` of PNG bytes: shown as a picture on the asset page."""
    encoded = base64.b64encode(png).decode("ascii")
    return f"![{alt}](data:image/png;base64,{encoded})"


def markdown_image(figure: Figure, alt: str) -> str:
    """``![alt](data:image/png;base64,...)``: shown as a picture on the asset page."""
    return png_markdown(png_bytes(figure), alt)
