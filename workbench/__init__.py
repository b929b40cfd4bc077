"""Lead Data Factory: import, clean, deduplicate and repair a sales-lead pool.

The package reads as its pipeline: `store` (the pool file, its schema, the event log) →
`privacy` → `leads` (membership, golden leads, decisions, undo) → `ingest` (files in) →
`linkage` (who is who) → `quality` → `analysis` (channels, tags, segments) → `jobs` (notebook runs, schedule, demo) → `widgets` → `cli`.
Each imports only from those before it.

The names in `__all__` are what a notebook author needs; the rest is reached through its
subpackage. Each family of operations returns one type: imports an `ImportResult`, linking
(`dedupe_pool`, `link_batch`, `dedupe_file`) a `LinkResult`, changes to leads (`commit_merges`,
`edit_lead`, `decide`, `apply_review`, `undo`, `restore_as_of`) a `ChangeResult`.
"""

from workbench.analysis.costs import import_costs
from workbench.analysis.customers import AnalysisSettings
from workbench.analysis.effectiveness import channel_table
from workbench.analysis.report import customer_analysis
from workbench.analysis.tags import apply_tags
from workbench.errors import InputError, WorkbenchError
from workbench.ingest.importer import ImportResult, add_record, import_file
from workbench.jobs.report import write_report
from workbench.jobs.runs import open_pool
from workbench.leads.change import ChangeResult
from workbench.leads.decisions import Decision, decide
from workbench.leads.merge import commit_merges, edit_lead
from workbench.leads.restore import lead_history, leads_as_of, restore_as_of, undo
from workbench.leads.review import apply_review, export_review, review_queue
from workbench.linkage.link import LinkResult, dedupe_pool, explain_pair, link_batch
from workbench.linkage.standalone import dedupe_file
from workbench.quality.measures import quality_report
from workbench.store.backup import backup, restore
from workbench.store.pool import Pool

__all__ = [
    "ChangeResult",
    "AnalysisSettings",
    "Decision",
    "ImportResult",
    "InputError",
    "LinkResult",
    "Pool",
    "WorkbenchError",
    "add_record",
    "apply_review",
    "apply_tags",
    "backup",
    "channel_table",
    "commit_merges",
    "customer_analysis",
    "decide",
    "dedupe_file",
    "dedupe_pool",
    "edit_lead",
    "explain_pair",
    "export_review",
    "import_costs",
    "import_file",
    "lead_history",
    "leads_as_of",
    "link_batch",
    "open_pool",
    "quality_report",
    "restore",
    "restore_as_of",
    "review_queue",
    "undo",
    "write_report",
]
