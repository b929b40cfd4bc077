"""Import: pick a file (upload or path) and a channel, see and correct the header mapping,
preview the validation problems by field and by row, commit the batch, see its sync-log row."""

from __future__ import annotations

import html
import logging
import tempfile
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.fields import STANDARD_FIELDS
from workbench.ingest.channels import channel_names
from workbench.ingest.importer import (
    ImportResult,
    PreparedBatch,
    commit_batch,
    prepare_file,
    saved_mapping,
    sync_log_row,
)
from workbench.store.pool import Pool

log = logging.getLogger(__name__)

_KEEP_AS_EXTRA = "(extra 其他)"


class ImportWidget:
    """Import one file into the pool, looking before committing.

    Args:
        pool: the lead pool.
        path: a file to start with (or upload one).
        channel: the channel it came from.
        upload_dir: where uploaded files are kept (a temporary folder by default).

    Example:
        >>> pd.DataFrame({"姓名": ["张伟", "王芳"], "电话号": ["13812345678", "13912345678"]}
        ...              ).to_excel("展会.xlsx", index=False)
        >>> w = ImportWidget(pool, path="展会.xlsx", channel="展会")
        >>> w.preview_button.click()                 # mapping, problems
        >>> w.mapping_choices["电话号"].value         # the guess; a person may correct it
        'phone'
        >>> w.commit_button.click()                  # lands the batch; w.sync_row shows its row
        >>> w.result.rows, w.result.status
        (2, 'success')
    """

    def __init__(self, pool: Pool, *, path: str | Path = "", channel: str = "",
                 upload_dir: str | Path | None = None) -> None:
        self.pool = pool
        self.upload_dir = Path(upload_dir or tempfile.mkdtemp(prefix="workbench-upload-"))
        self.batch: PreparedBatch | None = None
        self.result: ImportResult | None = None
        self.sync_row = pd.DataFrame()
        self.mapping_choices: dict[str, widgets.Dropdown] = {}
        self.path = widgets.Text(value=str(path), description="file",
                                 layout={"width": "40em"})
        self.upload = widgets.FileUpload(accept=".xlsx,.xls,.csv,.jsonl,.txt", multiple=False,
                                         description="upload")
        self.upload.observe(lambda _c: self.take_upload(), names="value")
        self.channel = widgets.Combobox(value=channel, description="channel",
                                        options=self._channels(), ensure_option=False)
        self.preview_button = widgets.Button(description="preview 预览", button_style="primary")
        self.preview_button.on_click(lambda _b: self.preview())
        self.mapping = widgets.VBox()
        self.problems = widgets.HTML()
        self.rows = widgets.HTML()
        self.commit_button = widgets.Button(description="commit 导入", button_style="success",
                                            disabled=True)
        self.commit_button.on_click(lambda _b: self.commit())
        self.message = widgets.HTML()
        self.log_view = widgets.HTML()
        self.widget = widgets.VBox([
            widgets.HBox([self.path, self.upload]), self.channel, self.preview_button,
            widgets.HTML("<b>Header mapping</b> (change a field to correct it)"), self.mapping,
            widgets.HTML("<b>Problems by field</b>"), self.problems,
            widgets.HTML("<b>Problem rows</b>"), self.rows,
            self.commit_button, self.message, widgets.HTML("<b>Sync log</b>"), self.log_view,
        ])

    def _channels(self) -> list[str]:
        return channel_names(self.pool)

    def take_upload(self) -> Path | None:
        """Keep the uploaded file on disk and put its path in the file box."""
        if not self.upload.value:
            return None
        item = self.upload.value[0]
        target = self.upload_dir / Path(item["name"]).name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(item["content"]))
        self.path.value = str(target)
        return target

    def corrections(self) -> dict[str, str]:
        """The header → field choices the user changed from the proposed mapping."""
        if self.batch is None:
            return {}
        proposed = {row.header: row.field or "" for row in self.batch.mapping_table().itertuples()}
        chosen = {h: ("" if d.value == _KEEP_AS_EXTRA else d.value)
                  for h, d in self.mapping_choices.items()}
        return {h: f for h, f in chosen.items() if proposed.get(h, "") != f}

    def preview(self) -> PreparedBatch | None:
        """Read and check the file with the mapping as chosen; nothing is written."""
        given = self.corrections() if self.batch is not None else {}
        if self.batch is not None and Path(self.batch.source) != Path(self.path.value):
            given = {}
        try:
            self.batch = prepare_file(self.path.value, channel=self.channel.value.strip(),
                                      mapping=given or None,
                                      saved_mapping=saved_mapping(self.pool,
                                                                  self.channel.value.strip()))
        except WorkbenchError as err:  # a missing file, no contact column: say what to do
            self.message.value = f"<span style='color:#b00'>{html.escape(str(err))}</span>"
            self.commit_button.disabled = True
            return None
        table = self.batch.mapping_table()
        self.mapping_choices = {}
        rows = []
        for row in table.itertuples():
            choice = widgets.Dropdown(options=[_KEEP_AS_EXTRA, *STANDARD_FIELDS],
                                      value=row.field or _KEEP_AS_EXTRA,
                                      description=str(row.header),
                                      style={"description_width": "12em"},
                                      layout={"width": "30em"})
            self.mapping_choices[str(row.header)] = choice
            rows.append(widgets.HBox([choice, widgets.HTML(
                f"&nbsp;{row.how} · confidence {row.confidence:.2f}")]))
        self.mapping.children = tuple(rows)
        self.problems.value = self.batch.problems().to_html(index=False, border=0)
        failures = self.batch.failures
        self.rows.value = failures.head(200).to_html(index=False, border=0, na_rep="")
        self.commit_button.disabled = not self.channel.value.strip()
        self.message.value = (f"{self.batch.rows} rows, {len(failures)} problems in "
                              f"{failures['row'].nunique() if len(failures) else 0} rows. "
                              "Commit when the mapping is right.")
        return self.batch

    def commit(self) -> ImportResult | None:
        """Land the previewed batch (with the corrected mapping) and show its sync-log row."""
        if self.batch is None or self.corrections():
            if self.preview() is None:
                return None
        self.result = commit_batch(self.pool, self.batch)
        self.message.value = html.escape(self.result.summary())
        if self.result.batch_id is not None:
            if self.result.imported:
                from workbench.linkage.link import link_batch
                self.result.linked = link_batch(self.pool, self.result.batch_id)
            self.sync_row = sync_log_row(self.pool, self.result.batch_id)
            self.log_view.value = self.sync_row.to_html(index=False, border=0, na_rep="")
        self.commit_button.disabled = True
        return self.result

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
