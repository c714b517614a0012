"""The compiled core (``mtdetect._core``, built from ``_core.c`` by ``pip install``).

:func:`core` returns the extension module, or None when it is not built or when
``MTDETECT_PURE_PYTHON=1`` asks for the numpy implementations, which compute the same numbers
(the tests compare the two) more slowly.
"""

from __future__ import annotations

import os
from types import ModuleType

__all__ = ["core", "core_status"]

_STATE: dict[str, ModuleType | None] = {}


def core() -> ModuleType | None:
    """The compiled core, or None (numpy implementations in use)."""
    if "core" not in _STATE:
        mod: ModuleType | None = None
        if os.environ.get("MTDETECT_PURE_PYTHON", "") not in ("1", "true", "yes"):
            try:
                from mtdetect import _core as mod  # type: ignore[no-redef]
            except ImportError:
                mod = None
        _STATE["core"] = mod
    return _STATE["core"]


def core_status() -> str:
    """One line for ``mtdetect info``."""
    if core() is not None:
        return "compiled core: in use (mtdetect._core)"
    if os.environ.get("MTDETECT_PURE_PYTHON", "") in ("1", "true", "yes"):
        return "compiled core: off (MTDETECT_PURE_PYTHON=1): numpy implementations"
    return "compiled core: not built: numpy implementations (slower; reinstall to build it)"
