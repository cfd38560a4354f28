"""Figures become PNG bytes and markdown images the Dagster UI shows as pictures."""

from chart_png import markdown_png, png_size

from seg_assets.lib.charts.png import markdown_image, new_figure, png_bytes, png_markdown


def _figure():
    figure = new_figure(2.0, 1.0)
    figure.subplots().plot([0, 1], [1, 0])
    return figure


def test_a_figure_is_encoded_at_the_chart_resolution():
    assert png_size(png_bytes(_figure())) == (180, 90)  # 2 x 1 inches at 90 dpi


def test_markdown_embeds_the_same_png():
    png = png_bytes(_figure())
    assert markdown_png(png_markdown(png, "curve"), "curve") == png
    assert png_size(markdown_png(markdown_image(_figure(), "curve"), "curve")) == (180, 90)
