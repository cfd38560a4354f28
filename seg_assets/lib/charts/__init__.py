"""Charts drawn as small PNG images for asset metadata (markdown renders them as pictures)."""
