"""Lead Data Factory: import, clean, deduplicate and repair a sales-lead pool.

The names in `__all__` are what notebooks, the CLI and tests use.
"""

from .errors import (
    ChannelPaused,
    InputError,
    LinkageError,
    PoolBusy,
    PoolError,
    SqlError,
    WorkbenchError,
)
from .fields import STANDARD_FIELDS
from .pool import Pool
from .standardise import standardise_frame
from .validate import Check, validate_frame

__all__ = [
    "ChannelPaused",
    "Check",
    "InputError",
    "LinkageError",
    "Pool",
    "PoolBusy",
    "PoolError",
    "STANDARD_FIELDS",
    "SqlError",
    "WorkbenchError",
    "standardise_frame",
    "validate_frame",
]
