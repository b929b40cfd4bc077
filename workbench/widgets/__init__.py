"""The notebooks' widgets: classes that drive the package, testable from Python.

Each widget holds a `Pool` and opens it only for the span of one action, so a notebook left
open never blocks the CLI or a scheduled run. Every button calls a plain method (`preview`,
`commit`, `decide`, `save`, ...), which tests call directly or through `button.click()`.
"""

from workbench.widgets.import_widget import ImportWidget
from workbench.widgets.keys import KeyBox
from workbench.widgets.leads_widget import LeadsWidget
from workbench.widgets.review_widget import ReviewWidget
from workbench.widgets.rules_widget import RulesWidget
from workbench.widgets.tune_widget import TuneWidget

__all__ = ["ImportWidget", "KeyBox", "LeadsWidget", "ReviewWidget", "RulesWidget", "TuneWidget"]
