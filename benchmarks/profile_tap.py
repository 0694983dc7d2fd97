"""Run tap-hubspot-qobra under cProfile, every thread included (plain `-m cProfile` sees only the
main thread, and the tap fetches and decodes in worker threads). Times are each thread's own CPU
time (`time.thread_time`), not wall time: with wall time, every call that releases the GIL (a
write, a recv) would be charged the time other threads held it.

    .venv/bin/python benchmarks/profile_tap.py OUT.prof --config CONFIG --catalog CATALOG
    .venv/bin/python -c "import pstats; pstats.Stats('OUT.prof').sort_stats('tottime').print_stats(30)"
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import threading
import time

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()
_run = threading.Thread.run


def _profiled_run(self: threading.Thread) -> None:
    profile = cProfile.Profile(time.thread_time)
    with _lock:
        _profiles.append(profile)
    profile.enable()
    try:
        _run(self)
    finally:
        profile.disable()


def main() -> None:
    out, args = sys.argv[1], sys.argv[2:]
    threading.Thread.run = _profiled_run  # type: ignore[method-assign]
    sys.argv = ["tap-hubspot-qobra", *args]
    from tap_hubspot_qobra.tap import main as tap_main

    main_profile = cProfile.Profile(time.thread_time)
    main_profile.enable()
    try:
        tap_main()
    except SystemExit:
        pass
    finally:
        main_profile.disable()
        stats = pstats.Stats(main_profile)
        with _lock:
            for profile in _profiles:
                try:
                    stats.add(profile)
                except TypeError:  # a thread that never ran anything
                    pass
        stats.dump_stats(out)


if __name__ == "__main__":
    main()
