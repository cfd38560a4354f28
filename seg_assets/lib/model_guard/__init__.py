"""Framework-free guard: may a retrained segmentation model replace the serving one?"""
