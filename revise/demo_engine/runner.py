"""Running a demo: validated parameters in, a result with its figure rendered for the chosen display out."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from revise.demo_engine.registry import load_demo
from revise.demo_engine.spec import DemoParamError, DemoResult, ParamValue


class DemoRunError(ValueError):
    """A demo that rejected its input (an impossible layer, say); the message is one line for the learner."""


@dataclass
class DemoRun:
    """One finished run: the demo's result, the parameters it ran with, and how long it took."""

    name: str
    params: dict[str, ParamValue]
    result: DemoResult
    seconds: float


def run_demo(name: str, values: dict[str, Any]) -> DemoRun:
    """Validates the values against the demo's parameters and runs it; bad input raises DemoParamError or DemoRunError."""
    demo = load_demo(name)
    params = demo.validate(values)
    start = time.perf_counter()
    try:
        result = demo.run(**params)
    except DemoParamError:
        raise
    except ValueError as error:
        raise DemoRunError(f"{name}: {error}") from None
    return DemoRun(name, params, result, time.perf_counter() - start)
