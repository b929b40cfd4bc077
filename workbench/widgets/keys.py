"""Keyboard shortcuts in plain ipywidgets: a small text box that turns each key into an action.

Plain ipywidgets have no key events, and extensions that capture them (ipyevents) need their
front-end part installed in every JupyterLab and Voilà the analysts use. A focused `Text`
with `continuous_update` sends each keystroke to the kernel as a value change: the box reads
the last character, runs the action bound to it and clears itself. Click into the box once
(it says so) and then m / s / n / k (or 1-4) decide cluster after cluster without the mouse.
Tests type into it by setting `.value`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import ipywidgets as widgets

log = logging.getLogger(__name__)


class KeyBox:
    """A text box that maps single keys to actions.

    Args:
        bindings: key → callable with no arguments.
        placeholder: what the empty box says.

    Example:
        >>> pressed = []
        >>> box = KeyBox({"m": lambda: pressed.append("merge"), "s": lambda: pressed.append("split")})
        >>> box.widget.value = "m"   # what a keystroke does: runs the action, empties the box
        >>> pressed, box.widget.value
        (['merge'], '')
    """

    def __init__(self, bindings: dict[str, Callable[[], None]], *,
                 placeholder: str = "click here, then press a key") -> None:
        self.bindings = {k.lower(): v for k, v in bindings.items()}
        self.pressed: list[str] = []
        self._busy = False
        self.widget = widgets.Text(value="", placeholder=placeholder, continuous_update=True,
                                   layout=widgets.Layout(width="16em"))
        self.widget.add_class("wb-keys")
        self.widget.observe(self._on_value, names="value")

    def press(self, key: str) -> bool:
        """Run the action bound to `key`; returns whether one was."""
        action = self.bindings.get(key.lower())
        if action is None:
            return False
        self.pressed.append(key.lower())
        action()
        return True

    def _on_value(self, change) -> None:
        if self._busy or not change["new"]:
            return
        key = change["new"][-1]
        self._busy = True
        try:
            self.widget.value = ""
        finally:
            self._busy = False
        self.press(key)
