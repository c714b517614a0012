"""The compiled core (``mtdetect._core``, built from ``_core.c`` by ``pip install``).

:func:`core` returns the extension module, or None when it is not built or when
``MTDETECT_PURE_PYTHON=1`` asks for the numpy implementations, which compute the same numbers
(the tests compare the two) more slowly.
"""

from __future__ import annotations

import os
import warnings
from types import ModuleType

__all__ = [
    "BUCKET",
    "DROP_SELF",
    "HASH_ALT",
    "HASH_C1",
    "HASH_C2",
    "HASH_GOLDEN",
    "ID_BITS",
    "KEEP_FLAGS",
    "MAX_OPTIONS",
    "MAX_SHORTLIST",
    "SORT_UNIQUE",
    "SPIN_PRIOR",
    "core",
    "core_status",
]

# The constants Python shares with the compiled core. ``_core.c`` defines the same and exports
# them; :func:`core` refuses a build whose values differ (a stale build would compute other
# numbers without a word).
#: Word ids are packed ``ID_BITS`` apiece into 64-bit n-gram keys (three fit in 63 bits).
ID_BITS = 21
#: Slots per bucket of the cuckoo count tables.
BUCKET = 4
#: The mixing constants of the 64-bit key hash (splitmix64), and the one that perturbs the
#: second bucket's hash.
HASH_GOLDEN = 0x9E3779B97F4A7C15
HASH_C1 = 0xBF58476D1CE4E5B9
HASH_C2 = 0x94D049BB133111EB
HASH_ALT = 0xD6E8FEB86659FD93
#: The compiled pair search takes fewer thesaurus neighbours a word than this, and a
#: shortlist of at most ``MAX_SHORTLIST`` (larger searches run in numpy).
MAX_OPTIONS = 256
MAX_SHORTLIST = 64
#: Option bits of the compiled candidate search (``gather_search``): candidates in increasing
#: id order each once; never the observed word; the spinner prior of each candidate; the
#: thesaurus flags of the best one.
SORT_UNIQUE, DROP_SELF, SPIN_PRIOR, KEEP_FLAGS = 1, 2, 4, 8

_SHARED = {
    "ID_BITS": ID_BITS,
    "BUCKET": BUCKET,
    "GOLDEN": HASH_GOLDEN,
    "C1": HASH_C1,
    "C2": HASH_C2,
    "ALT": HASH_ALT,
    "MAX_OPTIONS": MAX_OPTIONS,
    "MAX_SHORTLIST": MAX_SHORTLIST,
    "SORT_UNIQUE": SORT_UNIQUE,
    "DROP_SELF": DROP_SELF,
    "SPIN_PRIOR": SPIN_PRIOR,
    "KEEP_FLAGS": KEEP_FLAGS,
}

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
        if mod is not None and (differ := mismatched_constants(mod)):
            warnings.warn(
                f"compiled core not used: built from other sources ({', '.join(differ)} "
                "differ); numpy implementations in use (reinstall to rebuild it)",
                RuntimeWarning,
                stacklevel=2,
            )
            _STATE["stale"] = mod
            mod = None
        _STATE["core"] = mod
    return _STATE["core"]


def mismatched_constants(mod: ModuleType) -> list[str]:
    """Names of the shared constants whose value in the compiled module ``mod`` is not
    Python's (or that it does not export)."""
    return [name for name, value in _SHARED.items() if getattr(mod, name, None) != value]


def core_status() -> str:
    """One line for ``mtdetect info``."""
    if core() is not None:
        return "compiled core: in use (mtdetect._core)"
    if _STATE.get("stale") is not None:
        return "compiled core: built from other sources, not used: numpy implementations"
    if os.environ.get("MTDETECT_PURE_PYTHON", "") in ("1", "true", "yes"):
        return "compiled core: off (MTDETECT_PURE_PYTHON=1): numpy implementations"
    return "compiled core: not built: numpy implementations (slower; reinstall to build it)"
