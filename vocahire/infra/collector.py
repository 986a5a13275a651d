"""The cyclic garbage collector's thresholds for a backend process that holds many live tabs (issue 19).

With Python's default (a young collection every 700 allocations), a worker handling a few hundred events
a second collects while most events are still in flight: their objects (the tab's state read from Redis,
whose parent and substates refer to each other, the event's frames and messages) survive and are promoted,
and the old generation fills with short-lived garbage. A full collection then walks every tab's objects:
with 500 live tabs per worker, 13-14 of them in the scale-out benchmark's 35 s, each a 27-123 ms pause
during which the worker answers no event. With a young collection every 50,000 allocations, in-flight
objects are a small share of each collection and the same phase ran none; memory per tab was lower too.
(The benchmark's p99 did not follow: it is set by something else; README "Performance".)
Reference counting still frees acyclic garbage at once; only cyclic garbage waits a little longer.
"""

from __future__ import annotations

import gc

from vocahire.settings import Settings


def tune_collector(settings: Settings) -> tuple[int, int, int]:
    """Apply ``GC_THRESHOLDS`` (unset: Python's own are kept); returns the thresholds now in force.

    Called from ``rxconfig.py``, which every backend process loads before it serves (and before Reflex
    forks workers, which inherit them)."""
    if settings.gc_thresholds is not None:
        gc.set_threshold(*settings.gc_thresholds)
    threshold0, threshold1, threshold2 = gc.get_threshold()
    return threshold0, threshold1, threshold2
