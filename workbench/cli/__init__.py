"""The `workbench` command: a thin layer over the package's public functions.

How it is laid out:

- `cli/app.py` holds the root click group `main` (a WorkbenchError becomes a plain red message
  and exit code 2; the `--pool`/`-v` options) and small helpers shared by the areas.
- One module per area, named for the subpackage its commands drive: `ingest`, `linkage`,
  `leads`, `store`, `quality`, `privacy`, `jobs`, `testdata`. Each does
  `from workbench.cli.app import main` and declares its commands with `@main.command(...)` or
  `@main.group(...)`; every command and subgroup made that way accepts `--pool` after its name
  too. A command only parses options and prints: the work, and any SQL, is in the subpackage.
- This file imports the area modules (so that their commands register) and exposes `main`,
  the entry point of `workbench` and `python -m workbench`.

A new area (e.g. `cli/events.py`) follows the same pattern and is added to the import below.
"""

from workbench.cli import (  # noqa: F401 - imported for their commands
    ingest,
    jobs,
    leads,
    linkage,
    privacy,
    quality,
    store,
    testdata,
)
from workbench.cli.app import main

__all__ = ["main"]

from workbench.cli.events import COMMANDS as EVENT_COMMANDS  # noqa: E402

for _command in EVENT_COMMANDS:  # events (with the event log when no subcommand), rules, notify
    main.add_command(_command)

from workbench.cli.analysis import register as _register_analysis  # noqa: E402

_register_analysis(main)
