"""Heavy libraries imported when first used, not when the module that names them is.

``from skills_app.lazy import pandas as pd`` gives a stand-in for the module:
its first attribute read (``pd.DataFrame``) imports pandas, and every read after
it is the module's own attribute. A command that never shapes a frame (a
report streamed by the database, ``--help``) starts without pandas and numpy,
about half a second of CPU (issue 20, item 7; tests/test_cli_package.py).
"""
from __future__ import annotations

import importlib
import types


class LazyModule(types.ModuleType):
    """A module imported on the first read of one of its attributes."""

    def __getattr__(self, attribute: str):
        # Only called for what is not set yet: each attribute is read from the module once.
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        value = getattr(importlib.import_module(self.__name__), attribute)
        setattr(self, attribute, value)
        return value


pandas = LazyModule("pandas")
