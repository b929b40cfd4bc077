"""Reports: run a notebook headlessly with papermill and convert it to static HTML.

The quality report is `notebooks/quality_report.ipynb` run with parameters: the notebook itself
computes the figures and writes the workbook and figures.json through `workbench.quality.measures`,
so the notebook, the HTML and the files show the same figures. The executed notebook is kept
beside the HTML as the record of the run.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import jinja2
import nbformat
import papermill
from nbconvert import HTMLExporter

from workbench.errors import InputError, WorkbenchError
from workbench.privacy.masking import check_unmasked_access
from workbench.store.log import log_event
from workbench.store.pool import Pool, current_actor

log = logging.getLogger(__name__)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
QUALITY_NOTEBOOK = NOTEBOOKS / "quality_report.ipynb"


class ReportError(WorkbenchError):
    """A notebook run failed; the message names the cell's error and the executed notebook."""


@dataclass
class ReportFiles:
    """What one report run wrote."""

    out_dir: Path
    notebook: Path
    html: Path
    workbook: Path | None = None
    figures: Path | None = None


def notebook_parameters(notebook: str | os.PathLike) -> dict[str, str]:
    """The parameters a notebook declares (name → default as written), from its `parameters` cell.

    Example:
        >>> from workbench.jobs.runs import NOTEBOOK_DIR
        >>> sorted(notebook_parameters(NOTEBOOK_DIR / "quality_report.ipynb"))
        ['channels', 'masked', 'out_dir', 'pool_path', 'problem_limit', 'since', 'until']
    """
    found = papermill.inspect_notebook(str(notebook))
    return {name: info["default"] for name, info in found.items()}


def run_notebook(
    notebook: str | os.PathLike,
    out_dir: str | os.PathLike,
    parameters: dict | None = None,
    *,
    progress: bool = True,
) -> ReportFiles:
    """Execute a notebook with papermill into `out_dir` and convert the result to HTML.

    Parameters the notebook does not declare are refused (papermill would only warn, and the
    run would silently use the default). `out_dir` is passed as the parameter `out_dir` when the
    notebook declares one.

    Raises:
        InputError: the notebook is missing or a parameter is unknown.
        ReportError: a cell failed; the executed notebook (with the error) is still written.

    Example (a notebook run takes a quarter of a minute; `write_report`'s example runs one):
    `run_notebook(NOTEBOOK_DIR / "quality_report.ipynb", "data/runs/x", {"since": "30d"})`
    returns the `ReportFiles` of the run; a parameter the notebook does not declare is refused:

        >>> from workbench.jobs.runs import NOTEBOOK_DIR
        >>> run_notebook(NOTEBOOK_DIR / "quality_report.ipynb", "data/runs/x", {"sinse": "30d"})
        Traceback (most recent call last):
        ...
        workbench.errors.InputError: ...sinse...
    """
    notebook, out = Path(notebook), Path(out_dir)
    if not notebook.exists():
        raise InputError(f"There is no notebook '{notebook}'.",
                         fix="Give the path of an .ipynb file (relative to where you run this).")
    declared = notebook_parameters(notebook)
    parameters = dict(parameters or {})
    if "out_dir" in declared:
        parameters.setdefault("out_dir", str(out))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise InputError(
            f"The notebook '{notebook.name}' has no parameter {', '.join(unknown)}.",
            fix=f"Its parameters are: {', '.join(sorted(declared)) or 'none'}.",
        )
    out.mkdir(parents=True, exist_ok=True)
    executed = out / notebook.name
    html = executed.with_suffix(".html")
    try:
        papermill.execute_notebook(
            str(notebook), str(executed), parameters=parameters, progress_bar=progress,
            cwd=str(Path.cwd()), kernel_name="python3", report_mode=False,
        )
    except papermill.PapermillExecutionError as err:
        _to_html(executed, html)
        raise ReportError(
            f"The notebook '{notebook.name}' failed in cell {err.exec_count}: {err.ename}: "
            f"{err.evalue}. The executed notebook with the error is at '{executed}'."
        ) from err
    _to_html(executed, html)
    files = ReportFiles(out_dir=out, notebook=executed, html=html)
    for attribute, name in (("workbook", "quality_report.xlsx"), ("figures", "figures.json")):
        if (out / name).exists():
            setattr(files, attribute, out / name)
    return files


# The lab template without the two scripts it loads from a CDN (require.js for widgets and
# MathJax): the report has neither, and must open on a machine without network access.
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
"""


def _to_html(executed: Path, html: Path) -> None:
    """Static HTML without the code: charts are inline SVG, nothing loads from the network."""
    if not executed.exists():
        return
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="offline.html.j2",
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    html.write_text(body, encoding="utf-8")


def write_report(
    pool: Pool,
    out_dir: str | os.PathLike,
    *,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    channels: list[str] | None = None,
    masked: bool = True,
    reason: str | None = None,
    notebook: str | os.PathLike = QUALITY_NOTEBOOK,
    progress: bool = True,
) -> ReportFiles:
    """Write the quality report: executed notebook, HTML with charts, workbook, figures.json.

    Personal data is masked unless `masked=False`; an unmasked report is an access to personal
    data: only for people authorised with `privacy.authorise`, and recorded as an event with
    the reason given.

    Example:
        >>> files = write_report(Pool("data/leadpool.duckdb"), "data/reports/2026-11-22",
        ...                      progress=False)
        >>> files.html, files.workbook
        (PosixPath('data/reports/2026-11-22/quality_report.html'), PosixPath('data/reports/2026-11-22/quality_report.xlsx'))
    """
    if not pool.exists():
        raise InputError(f"There is no lead pool at '{pool.path}'.",
                         fix="Import a file first or point --pool at the pool.")
    if not masked:
        if not reason:
            raise InputError("An unmasked report shows personal data and needs a reason.",
                             fix="Give --reason \"...\" (it is recorded in the history).")
        actor = current_actor()
        with pool.transaction() as con:
            check_unmasked_access(con, actor)
            log_event(con, "unmasked_export", "report", actor=actor, reason=reason,
                      payload={"out_dir": str(out_dir)})
    parameters = {
        "pool_path": str(pool.path.resolve()),
        "since": str(since or ""),
        "until": str(until or ""),
        "channels": list(channels or []),
        "masked": masked,
    }
    files = run_notebook(notebook, out_dir, parameters, progress=progress)
    log.info("report written to %s", files.out_dir)
    return files
