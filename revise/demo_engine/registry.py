"""Finding demo modules by name without importing them, and loading one when it is needed."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import threading
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from revise.demo_engine.drill import Drill
    from revise.demo_engine.spec import Demo

# Called with (steps done, steps in all) while a demo loads: one step for the import, one per kernel compiled.
Progress = Callable[[int, int], None]

_ready: dict[str, Demo] = {}
_warming = threading.Lock()
_watchers: dict[str, list[Progress]] = {}  # who is waiting on each demo's warm-up, wherever it was started
_latest: dict[str, tuple[int, int]] = {}
_watching = threading.Lock()


class UnknownDemoError(LookupError):
    """A demo name that no module in `demos/` provides."""


@cache
def demo_names() -> tuple[str, ...]:
    """The names of every demo module in the `demos` package, read from the folder, nothing imported."""
    import demos

    return tuple(sorted(module.name for module in pkgutil.iter_modules(demos.__path__)
                        if not module.name.startswith("_")))


def ready_demo(name: str, on_progress: Progress | None = None) -> Demo:
    """A demo with its kernels compiled (or loaded from Numba's cache); later calls return at once.

    One demo warms at a time, so the background warm-up and an opened panel never compile twice;
    `on_progress` hears of the warm-up's steps even when another thread started it.
    """
    if on_progress is not None:
        with _watching:
            _watchers.setdefault(name, []).append(on_progress)
            if name in _latest:
                on_progress(*_latest[name])
    try:
        with _warming:
            if name not in _ready:
                _ready[name] = _warm(name, lambda done, total: _report(name, done, total))
            return _ready[name]
    finally:
        if on_progress is not None:
            with _watching:
                _watchers[name].remove(on_progress)


def _report(name: str, done: int, total: int) -> None:
    """Tells everyone waiting on a demo how far its warm-up has got."""
    with _watching:
        _latest[name] = (done, total)
        watchers = list(_watchers.get(name, ()))
    for watcher in watchers:
        watcher(done, total)


def _warm(name: str, on_progress: Progress) -> Demo:
    """Imports a demo and runs its warm-up, reporting each of its kernels as Numba finishes compiling it."""
    demo = load_demo(name)
    from numba.core import event
    from numba.core.dispatcher import Dispatcher

    kernels = {id(value) for value in vars(sys.modules[f"demos.{name}"]).values() if isinstance(value, Dispatcher)}
    total, compiled = 1 + len(kernels), set()
    on_progress(1, total)

    class KernelCompiled(event.Listener):
        """Counts this demo's kernels as their compilation ends (cache hits compile nothing)."""

        def on_start(self, compile_event: event.Event) -> None:
            """Nothing to report until the kernel is ready."""

        def on_end(self, compile_event: event.Event) -> None:
            """Reports one more kernel ready."""
            kernel = id(compile_event.data["dispatcher"])
            if kernel in kernels and kernel not in compiled:
                compiled.add(kernel)
                on_progress(1 + len(compiled), total)

    with event.install_listener("numba:compile", KernelCompiled()):
        demo.warm()
    on_progress(total, total)
    return demo


def load_demo(name: str) -> Demo:
    """Imports a demo module (and with it numba) and returns its declaration."""
    if name not in demo_names():
        raise UnknownDemoError(f"unknown demo `{name}` (known: {', '.join(demo_names()) or 'none'})")
    return importlib.import_module(f"demos.{name}").DEMO


def all_drills() -> dict[str, Drill]:
    """Every drill of every demo module, by qualified name (`conv_size.output_shape`); imports every demo."""
    drills = {}
    for name in demo_names():
        for drill in getattr(importlib.import_module(f"demos.{name}"), "DRILLS", ()):
            drills[drill.qualified_name] = drill
    return drills


def load_drill(qualified_name: str) -> Drill:
    """Imports the drill's demo module and returns the drill; DrillError names the module's drills if it has none."""
    from revise.demo_engine.drill import DrillError
    from revise.errors import excerpt

    module, _, name = qualified_name.partition(".")
    if module in demo_names():
        drills = getattr(importlib.import_module(f"demos.{module}"), "DRILLS", ())
        for drill in drills:
            if drill.name == name:
                return drill
        known = f"{module} has: {', '.join(drill.name for drill in drills)}" if drills else f"{module} has none"
    else:
        known = "demos with drills: " + ", ".join(sorted({name.partition('.')[0] for name in all_drills()}))
    raise DrillError(f"unknown drill `{excerpt(qualified_name)}` ({known}; `revise drill --list` lists them all)")
