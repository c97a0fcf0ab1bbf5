"""Finding demo modules by name without importing them, and loading one when it is needed."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from revise.demo_engine.spec import Demo


class UnknownDemoError(LookupError):
    """A demo name that no module in `demos/` provides."""


@cache
def demo_names() -> tuple[str, ...]:
    """The names of every demo module in the `demos` package, read from the folder, nothing imported."""
    import demos

    return tuple(sorted(module.name for module in pkgutil.iter_modules(demos.__path__)
                        if not module.name.startswith("_")))


@cache
def ready_demo(name: str) -> Demo:
    """A demo with its kernels compiled (or loaded from Numba's cache); later calls return at once."""
    demo = load_demo(name)
    demo.warm()
    return demo


def load_demo(name: str) -> Demo:
    """Imports a demo module (and with it numba) and returns its declaration."""
    if name not in demo_names():
        raise UnknownDemoError(f"unknown demo `{name}` (known: {', '.join(demo_names()) or 'none'})")
    return importlib.import_module(f"demos.{name}").DEMO
