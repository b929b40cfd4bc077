"""Lead Data Factory: import, clean, deduplicate and repair a sales-lead pool.

The names in `__all__` are what notebooks, the CLI and tests use.
"""

from .backup import backup, list_backups, restore
from .channels import list_channels, resume_channel, set_channel
from .dedupe_file import dedupe_file
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
from .history import lead_history, leads_as_of, log_event, restore_as_of, undo
from .link import dedupe_pool, explain_pair, link_batch
from .merge import Decision, commit_merges, decide, edit_lead, golden_leads, rebuild_leads
from .notebooks import open_pool, run_kept
from .pool import Pool
from .privacy import mask_frame
from .quality import quality_report
from .review import (
    apply_review,
    decide_pattern,
    export_review,
    preview_pattern,
    queue_patterns,
    review_queue,
)
from .standardise import standardise_frame
from .survivorship import FieldRule, Survivorship
from .validate import Check, validate_frame
from .workbook import write_workbook

__all__ = [
    "dedupe_file",
    "dedupe_pool",
    "explain_pair",
    "link_batch",
    "CHANNELS",
    "ChannelPaused",
    "Check",
    "Decision",
    "FieldRule",
    "InputError",
    "LinkageError",
    "Pool",
    "PoolBusy",
    "PoolError",
    "STANDARD_FIELDS",
    "SqlError",
    "Survivorship",
    "WorkbenchError",
    "apply_review",
    "backup",
    "commit_merges",
    "decide",
    "decide_pattern",
    "edit_lead",
    "export_review",
    "generate_leads",
    "generate_people",
    "golden_leads",
    "lead_history",
    "leads_as_of",
    "list_backups",
    "list_channels",
    "log_event",
    "mask_frame",
    "open_pool",
    "preview_pattern",
    "quality_report",
    "queue_patterns",
    "rebuild_leads",
    "restore",
    "run_kept",
    "restore_as_of",
    "resume_channel",
    "review_queue",
    "sample_files",
    "set_channel",
    "standardise_frame",
    "undo",
    "validate_frame",
    "write_channel_files",
    "write_truth",
    "write_workbook",
]
