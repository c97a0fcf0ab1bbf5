"""The app in a real graphics terminal (xterm in VT340 mode for Sixel, or kitty) on a virtual X display, driven
with xdotool and seen through screenshots, so that tests check the pixels a person would see, not the escape codes
sent."""

from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from revise.figures import luminance

TOOLS = ("Xvfb", "xterm", "xdotool", "xwd", "convert")
COLUMNS, ROWS = 120, 45
CELL = (8, 17)  # DejaVu Sans Mono 10 in xterm, in pixels
# xterm with TERM=xterm gets 16 colours from Textual: the theme's text is bright white on black.
INK, BACKGROUND = "#ffffff", "#000000"
STILL = 0.001  # a screen whose pixels change less than this between two shots is still (a blinking cursor)
_USED_DISPLAYS: set[int] = set()
TERMINAL_ATTEMPTS = 3


def missing_tools() -> list[str]:
    """The programs the harness needs that this machine lacks (.ci/run installs them where it can)."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def xterm_command(columns: int, rows: int) -> list[str]:
    """xterm in VT340 mode (Sixel, 256 colour registers), DejaVu Sans Mono 10, to run the command that follows."""
    return ["xterm", "-ti", "vt340", "-xrm", "XTerm*decTerminalID: vt340", "-xrm", "XTerm*numColorRegisters: 256",
            "-fa", "DejaVu Sans Mono", "-fs", "10", "-geometry", f"{columns}x{rows}", "-e"]


def kitty_command(columns: int, rows: int) -> list[str]:
    """kitty (Debian's is 0.26: no Unicode placeholders for images) at font size 10, listening for `kitty @`
    (see `TerminalApp.text`), to run the command that follows."""
    return ["kitty", "-o", "font_size=10", "-o", f"initial_window_width={columns}c", "-o",
            f"initial_window_height={rows}c", "-o", "remember_window_size=no", "-o", "allow_remote_control=yes",
            "--listen-on", "unix:{socket}", "--"]


# Each terminal: how to start it, and its windows' X class.
TERMINALS = {"xterm": (xterm_command, "xterm"), "kitty": (kitty_command, "kitty")}


class TerminalApp:
    """One command running in its own terminal (xterm unless told), on its own virtual display, until closed."""

    def __init__(self, command: list[str], columns: int = COLUMNS, rows: int = ROWS, terminal: str = "xterm") -> None:
        self.terminal_command, self.window_class = TERMINALS[terminal]
        number = next(n for n in range(90, 400) if n not in _USED_DISPLAYS and not Path(f"/tmp/.X11-unix/X{n}").exists()
                      and not Path(f"/tmp/.X{n}-lock").exists())
        _USED_DISPLAYS.add(number)  # never reused in this run: a display just closed may still be going away
        self.display = f":{number}"
        self.socket = f"{tempfile.gettempdir()}/revise-kitty-{os.getpid()}-{number}"  # kitty's remote control
        self.xvfb = subprocess.Popen(["Xvfb", self.display, "-screen", "0", "1600x1200x24", "-nolisten", "tcp"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # kitty draws with OpenGL: Mesa's software renderer on a virtual display.
        self.env = {**os.environ, "DISPLAY": self.display, "LIBGL_ALWAYS_SOFTWARE": "1"}
        self.terminal: subprocess.Popen[bytes] | None = None
        try:
            self._start(command, columns, rows)
        except BaseException:
            self.close()
            raise

    def _start(self, command: list[str], columns: int, rows: int) -> None:
        """Waits for the display to take connections, then starts the terminal on it and waits for its window; a
        terminal whose window does not come (seen now and then on a busy machine) is replaced, twice at most."""
        self._wait(lambda: subprocess.run(["xdotool", "getdisplaygeometry"], env=self.env,
                                          capture_output=True).returncode == 0, "the virtual display")
        for attempt in range(TERMINAL_ATTEMPTS):
            said = tempfile.TemporaryFile()  # the terminal's complaints, if any, for the failure message
            starting = [part.format(socket=self.socket) for part in self.terminal_command(columns, rows)]
            self.terminal = subprocess.Popen([*starting, *command], env=self.env,
                                          stdout=subprocess.DEVNULL, stderr=said)
            try:
                self._wait(self._found_window, f"the {self.window_class} window", timeout=15.0)
                return
            except AssertionError:
                self.terminal.kill()
                self.terminal.wait()
                said.seek(0)
                error = said.read().decode(errors="replace").strip()
                if attempt == TERMINAL_ATTEMPTS - 1:
                    raise AssertionError(f"no {self.window_class} window after {TERMINAL_ATTEMPTS} tries; it said: "
                                         f"{error!r}") from None

    def _found_window(self) -> bool:
        """Whether the terminal's window is up and shown (and remembered): kitty opens a hidden window first."""
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--class", self.window_class], env=self.env,
                               capture_output=True, text=True).stdout.split()
        self.window = found[0] if found else ""
        return bool(found)

    @staticmethod
    def _wait(ready: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        """Polls until `ready`, or fails naming what never came."""
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.1)

    def keys(self, *keys: str) -> None:
        """Presses keys in the window (xterm ignores keys sent to a window that is not focused)."""
        subprocess.run(["xdotool", "windowfocus", "--sync", self.window], env=self.env, check=True)
        subprocess.run(["xdotool", "key", "--delay", "50", *keys], env=self.env, check=True)

    def type(self, text: str) -> None:
        """Types text in the window, as a person would."""
        subprocess.run(["xdotool", "windowfocus", "--sync", self.window], env=self.env, check=True)
        subprocess.run(["xdotool", "type", "--delay", "50", text], env=self.env, check=True)

    def text(self) -> str:
        """The characters on kitty's screen, as kitty itself reads them out (xterm has no such command)."""
        return subprocess.run(["kitty", "@", "--to", f"unix:{self.socket}", "get-text"], env=self.env,
                              capture_output=True, text=True, check=True).stdout

    def wait_for_text(self, text: str, what: str, timeout: float = 60.0) -> None:
        """Polls kitty's screen until it shows `text`."""
        self._wait(lambda: text in self.text(), what, timeout)

    def screenshot(self) -> np.ndarray:
        """The window as a person sees it: an (height, width, 3) array of RGB pixels.

        A window that cannot be dumped (seen once with kitty on a loaded machine: its window was replaced just
        after it came up) is looked for again, twice at most.
        """
        from PIL import Image

        for attempt in range(TERMINAL_ATTEMPTS):
            dump = subprocess.run(["xwd", "-silent", "-id", self.window], env=self.env, capture_output=True)
            if dump.returncode == 0 or attempt == TERMINAL_ATTEMPTS - 1:
                break
            self._wait(self._found_window, f"the {self.window_class} window again", timeout=15.0)
        dump.check_returncode()
        png = subprocess.run(["convert", "xwd:-", "png:-"], input=dump.stdout, capture_output=True, check=True).stdout
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))

    def wait_for_pixels(self, shows: Callable[[np.ndarray], bool], what: str, timeout: float = 60.0) -> np.ndarray:
        """The first screenshot that `shows` accepts, polling until it comes."""
        shots: list[np.ndarray] = []

        def shown() -> bool:
            shots.append(self.screenshot())
            return shows(shots[-1])

        self._wait(shown, what, timeout)
        return shots[-1]

    def wait_until_still(self, what: str, quiet: float = 2.0, timeout: float = 90.0) -> np.ndarray:
        """The screen once it has stopped changing for `quiet` seconds (plots drawn, nothing loading), a blinking
        text cursor apart (under STILL of the pixels changing)."""
        last, since = self.screenshot(), time.monotonic()

        def settled() -> bool:
            nonlocal last, since
            shot = self.screenshot()
            if shot.shape != last.shape or share((shot != last).any(axis=2)) > STILL:
                last, since = shot, time.monotonic()
            return time.monotonic() - since >= quiet

        self._wait(settled, what, timeout)
        return last

    def close(self) -> None:
        """Ends the terminal and the virtual display."""
        for process in (self.terminal, self.xvfb):
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()


def share(mask: np.ndarray) -> float:
    """The fraction of pixels a boolean mask selects."""
    return float(mask.mean())


def near_white(pixels: np.ndarray) -> np.ndarray:
    """Pixels a person would call white: every channel above 235."""
    return pixels.min(axis=2) > 235


def find_image(shot: np.ndarray, expected: np.ndarray, columns: int = COLUMNS, rows: int = ROWS,
               cell: tuple[int, int] = CELL) -> tuple[float, np.ndarray]:
    """Where on the screen an image is shown, its top left corner at a cell's: how far the screenshot's pixels
    differ there from the image's (mean absolute, 0-255 per channel; the least over every cell), and those pixels."""
    height, width = expected.shape[:2]
    left, top = (shot.shape[1] - columns * cell[0]) // 2, (shot.shape[0] - rows * cell[1]) // 2  # xterm's border
    sample = (slice(None, None, 3), slice(None, None, 3))
    wanted = expected[sample].astype(int)
    best: tuple[float, int, int] = (float("inf"), 0, 0)
    for row in range(rows - math.ceil(height / cell[1]) + 1):
        for column in range(columns - math.ceil(width / cell[0]) + 1):
            x, y = left + column * cell[0], top + row * cell[1]
            best = min(best, (float(np.abs(shot[y:y + height, x:x + width][sample].astype(int) - wanted).mean()), y, x))
    difference, y, x = best
    return difference, shot[y:y + height, x:x + width]


def contrast(first: np.ndarray, second: np.ndarray) -> float:
    """The WCAG contrast ratio of two RGB colours (0-255)."""
    lighter, darker = sorted((float(luminance(np.asarray(colour) / 255)) for colour in (first, second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
