"""The workbench's exceptions: one base class, a few named for the situation.

Every message says what went wrong, the value that caused it, and what to do.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class InputError(WorkbenchError):
    """A file, sheet, row or value that cannot be taken in as it is.

    Carries where the problem is so that a person can find it in the file.
    """

    def __init__(
        self,
        what: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.what, self.file, self.sheet, self.row, self.column, self.fix = (
            what, file, sheet, row, column, fix,
        )
        where = ", ".join(
            part
            for part in (
                f"file '{file}'" if file else "",
                f"sheet '{sheet}'" if sheet else "",
                f"row {row}" if row is not None else "",
                f"column '{column}'" if column else "",
            )
            if part
        )
        message = f"{where}: {what}" if where else what
        if fix:
            message += f" {fix}"
        super().__init__(message)


class PoolBusy(WorkbenchError):
    """Another process holds the lead pool for writing."""


class PoolError(WorkbenchError):
    """The pool file is missing, damaged, or of a schema this version cannot use."""


class SqlError(WorkbenchError):
    """A statement failed; the message carries the SQL."""


class ChannelPaused(WorkbenchError):
    """Imports from a paused channel are refused until it is resumed."""


class LinkageError(WorkbenchError):
    """The linkage model cannot be trained, loaded or run on this input."""


class EventRefused(InputError):
    """An event from another system that breaks the event contract; names the field."""

    def __init__(self, field: str, reason: str, *, event_id: str | None = None,
                 file: str | None = None, row: int | None = None) -> None:
        self.field, self.reason, self.event_id = field, reason, event_id
        who = f"event '{event_id}': " if event_id else ""
        super().__init__(f"{who}field '{field}': {reason}", file=file, row=row,
                         fix="Fix the event and send it again; see the event contract in README.md "
                             "(Events from other systems).")
