"""Line charts drawn with text, for asset metadata (the Dagster UI renders markdown, not images)."""

from collections.abc import Sequence

_EMPTY = " "
_MARK = "●"
_AXIS = "│"
_BASE = "─"


def text_line_chart(
    xs: Sequence[float],
    ys: Sequence[float],
    width: int = 60,
    height: int = 14,
    y_label: str = "",
    x_label: str = "",
) -> str:
    """A scatter-line chart of ``ys`` against ``xs`` as a markdown code block.

    Parameters
    ----------
    xs, ys
        Points, same length, at least one; ``xs`` need not be sorted.
    width, height
        Plot area in characters.
    y_label, x_label
        Axis captions.

    Returns
    -------
    str
        Markdown: a fenced block with the y range on the left, a zero line where zero lies
        inside the range, and the x range below.
    """
    if len(xs) != len(ys) or not xs:
        raise ValueError("a chart needs as many x as y values, at least one")
    x_low, x_high = min(xs), max(xs)
    y_low, y_high = min(min(ys), 0.0), max(max(ys), 0.0)
    x_span = (x_high - x_low) or 1.0
    y_span = (y_high - y_low) or 1.0
    grid = [[_EMPTY] * width for _ in range(height)]
    zero_row = round((y_high - 0.0) / y_span * (height - 1))
    for column in range(width):
        grid[zero_row][column] = _BASE
    for x, y in zip(xs, ys, strict=True):
        column = round((x - x_low) / x_span * (width - 1))
        row = round((y_high - y) / y_span * (height - 1))
        grid[row][column] = _MARK
    top, bottom = f"{y_high:,.0f}", f"{y_low:,.0f}"
    margin = max(len(top), len(bottom))
    lines = [f"{y_label}"] if y_label else []
    for index, cells in enumerate(grid):
        label = top if index == 0 else bottom if index == height - 1 else ""
        lines.append(f"{label:>{margin}} {_AXIS}{''.join(cells)}")
    left, right = f"{x_low:g}", f"{x_high:g}"
    lines.append(f"{'':>{margin}}  {left}{right:>{width - len(left)}}")
    if x_label:
        lines.append(f"{'':>{margin}}  {x_label:^{width}}")
    return "```\n" + "\n".join(lines) + "\n```"
