"""Framework-free core of the bottom-up customer segmentation (scaling to stability)."""
