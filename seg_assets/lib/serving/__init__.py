"""The serving file BI tools read: curated schemas, documented ``bi`` views, Parquet export."""

from seg_assets.lib.serving.publish import (
    SERVED_SCHEMAS,
    Publication,
    PublishedSnapshot,
    publish_serving,
    serving_beside,
)

__all__ = [
    "SERVED_SCHEMAS",
    "Publication",
    "PublishedSnapshot",
    "publish_serving",
    "serving_beside",
]
