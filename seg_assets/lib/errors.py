"""Errors a user can meet, each naming the source, file, row and column where it applies."""


class SegAssetsError(Exception):
    """Base class for errors caused by input data or configuration, not by a bug."""


class SourceContractError(SegAssetsError):
    """A landing file does not match its contract in ``config/sources.yaml``."""


class ModelDefinitionError(SegAssetsError):
    """A SQL model file is malformed (header, references or parameters)."""


class PartitionWriteError(SegAssetsError):
    """A partitioned model produced rows outside the partition it was asked to write."""
