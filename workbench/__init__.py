"""Lead Data Factory: import, clean, deduplicate and repair a sales-lead pool.

The names in `__all__` are what notebooks, the CLI and tests use.
"""

from .channels import list_channels, resume_channel, set_channel
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
from .privacy import mask_frame
from .quality import quality_report
from .standardise import standardise_frame
from .validate import Check, validate_frame
from .workbook import write_workbook

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
    "list_channels",
    "mask_frame",
    "quality_report",
    "resume_channel",
    "set_channel",
    "standardise_frame",
    "validate_frame",
    "write_workbook",
]
