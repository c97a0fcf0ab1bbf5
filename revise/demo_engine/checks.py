"""The input checks every demo's public functions share, so that a bad argument reads the same everywhere.

Each check returns the value in the type the kernels want, or raises ValueError with one line that names
the argument, repeats the value and says what it must be: `lr=-1.0: must be a finite number >= 0`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from revise.errors import excerpt


def check_int(name: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """The value as an int, unless it is not a whole number (bools are not) in [low, high]."""
    if (isinstance(value, bool) or not isinstance(value, (int, np.integer))
            or (low is not None and value < low) or (high is not None and value > high)):
        raise ValueError(f"{name}={value!r}: must be {_integer_range(low, high)}")
    return int(value)


def check_number(name: str, value: Any, low: float | None = None, high: float | None = None, *,
                 low_open: bool = False, high_open: bool = False) -> float:
    """The value as a float, unless it is not a finite real number within the bounds (open where told)."""
    ok = (not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
          and math.isfinite(value))
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        raise ValueError(f"{name}={value!r}: must be {_number_range(low, high, low_open, high_open)}")
    return float(value)


def check_choice(name: str, value: Any, allowed: Sequence[str]) -> str:
    """The value, unless it is not one of the allowed names."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name}={value!r}: must be one of {', '.join(allowed)}")
    return value


def check_array(name: str, value: Any, *, ndim: int | Sequence[int] | None = None, dtype: type = np.float64,
                finite: bool = True, min_size: int = 0) -> np.ndarray:
    """The value as a C-contiguous array of `dtype`, unless it is not numbers, has another number of axes,
    holds nan or inf (when `finite`), or has fewer than `min_size` elements."""
    try:
        array = np.ascontiguousarray(value, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name}={excerpt(repr(value))}: must be {'integers' if dtype is np.int64 else 'numbers'}") from None
    dims = (ndim,) if isinstance(ndim, int) else tuple(ndim) if ndim is not None else None
    if dims is not None and array.ndim not in dims:
        raise ValueError(f"{name} has shape {array.shape}: must be {' or '.join(f'{d}-D' for d in dims)}")
    if array.size < min_size:
        raise ValueError(f"{name} has shape {array.shape}: must hold at least {min_size} "
                         f"value{'s' if min_size > 1 else ''}")
    if finite and array.dtype.kind == "f" and not np.isfinite(array).all():
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        where = f"[{', '.join(map(str, index))}]" if index else ""
        raise ValueError(f"{name}{where}={array[index].item()!r}: must be finite")
    return array


def check_shape(name: str, array: np.ndarray, shape: tuple[int | None, ...], meaning: str = "") -> np.ndarray:
    """The array, unless its shape differs from `shape` (None matches any length); `meaning` explains it."""
    if array.ndim != len(shape) or any(want is not None and got != want for got, want in zip(array.shape, shape)):
        wanted = "(" + ", ".join("n" if want is None else str(want) for want in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{name} has shape {array.shape}: must be {wanted}{', ' + meaning if meaning else ''}")
    return array


def parse_numbers(name: str, text: Any, *, count: tuple[int, int] = (1, 64), low: float | None = None,
                  high: float | None = None, example: str = "1,2,3") -> np.ndarray:
    """Numbers a learner typed, separated by commas or spaces (brackets allowed: `(1, 2, 2)`), as a float64 array,
    unless they are not `count[0]` to `count[1]` finite numbers within [low, high]; `example` is shown if not."""
    parts = str(text).strip().strip("()[]").replace(",", " ").split()
    try:
        values = np.array([float(part) for part in parts], dtype=np.float64)
    except ValueError:
        values = np.array([np.nan])
    if (not count[0] <= values.size <= count[1] or not np.isfinite(values).all()
            or (low is not None and (values < low).any()) or (high is not None and (values > high).any())):
        how_many = f"{count[0]}" if count[0] == count[1] else f"{count[0]} to {count[1]}"
        bounds = (f" from {low:g} to {high:g}" if low is not None and high is not None
                  else f" >= {low:g}" if low is not None else f" <= {high:g}" if high is not None else "")
        raise ValueError(f"{name}={excerpt(repr(text))}: must be {how_many} numbers{bounds} separated by commas, "
                         f"e.g. {example}")
    return values


def _integer_range(low: int | None, high: int | None) -> str:
    """'an integer from 1 to 5', 'an integer >= 1', 'an integer <= 9' or 'an integer'."""
    if low is not None and high is not None:
        return f"an integer from {low} to {high}"
    if low is not None:
        return f"an integer >= {low}"
    return f"an integer <= {high}" if high is not None else "an integer"


def _number_range(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    """'a number from 0 to 1', 'a finite number > 0', 'a number > 0 and < 1' and the like."""
    if low is not None and high is not None:
        if not low_open and not high_open:
            return f"a number from {low:g} to {high:g}"
        return f"a number {'>' if low_open else '>='} {low:g} and {'<' if high_open else '<='} {high:g}"
    if low is not None:
        return f"a finite number {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"a finite number {'<' if high_open else '<='} {high:g}"
    return "a finite number"
