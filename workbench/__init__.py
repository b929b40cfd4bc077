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
from .generate import (
    CHANNELS,
    generate_leads,
    generate_people,
    sample_files,
    write_channel_files,
    write_truth,
)
from .pool import Pool
from .privacy import mask_frame
from .quality import quality_report
from .standardise import standardise_frame
from .validate import Check, validate_frame
from .workbook import write_workbook

__all__ = [
    "CHANNELS",
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
    "generate_leads",
    "generate_people",
    "list_channels",
    "mask_frame",
    "quality_report",
    "resume_channel",
    "sample_files",
    "set_channel",
    "standardise_frame",
    "validate_frame",
    "write_channel_files",
    "write_truth",
    "write_workbook",
]
