"""`workbench analyse`: the customer analysis notebook run headlessly into an HTML report and
a workbook, masked by default (an unmasked one is an audited access, as for the quality report).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from workbench.errors import InputError
from workbench.jobs.report import NOTEBOOKS, ReportFiles, run_notebook
from workbench.privacy.masking import check_unmasked_access
from workbench.store.log import log_event
from workbench.store.pool import Pool, current_actor

log = logging.getLogger(__name__)

ANALYSIS_NOTEBOOK = NOTEBOOKS / "customer_analysis.ipynb"


def write_analysis(pool: Pool, out_dir: str | os.PathLike, *, since: str = "", until: str = "",
                   as_of: str = "", attribution: str = "first", k: int = 4, masked: bool = True,
                   reason: str | None = None, materialise_tags: bool = False,
                   progress: bool = True) -> ReportFiles:
    """Run `notebooks/customer_analysis.ipynb` into `out_dir`: HTML, workbook, figures.json.

    Example:
        files = write_analysis(Pool("data/leadpool.duckdb"), "data/reports/customers",
                                   attribution="shared", k=3)
        files.html, files.workbook
    """
    if not pool.exists():
        raise InputError(f"There is no lead pool at '{pool.path}'.",
                         fix="Import a file first or point --pool at the pool.")
    if not masked:
        if not reason:
            raise InputError("不脱敏的报告需要理由 (an unmasked report shows personal data and "
                             "needs a reason).", fix='Give --reason "..." (kept in the history).')
        actor = current_actor()
        with pool.transaction() as con:
            check_unmasked_access(con, actor)
            log_event(con, "unmasked_export", "customer_analysis", actor=actor, reason=reason,
                      payload={"out_dir": str(out_dir)})
    parameters = {"pool_path": str(pool.path.resolve()), "since": since or "",
                  "until": until or "", "as_of": as_of or "", "attribution": attribution,
                  "k": int(k), "masked": masked, "materialise_tags": materialise_tags}
    files = run_notebook(ANALYSIS_NOTEBOOK, out_dir, parameters, progress=progress)
    workbook = Path(out_dir) / "customer_analysis.xlsx"
    if workbook.exists():
        files.workbook = workbook
    log.info("customer analysis written to %s", files.out_dir)
    return files
