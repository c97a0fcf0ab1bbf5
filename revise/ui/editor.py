"""Opening a card file in the learner's editor ($VISUAL, else $EDITOR, else vi) at a line, the app suspended meanwhile."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

from textual.app import App, SuspendNotSupported


def open_in_editor(app: App, path: Path, line: int) -> str | None:
    """Runs the editor on a file at a line and waits for it; returns None, or one line saying why it could not run.

    The path is passed absolute, so a folder named like an option (`+cmd`, `-x`) is never read as one.
    """
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        command = [*shlex.split(editor), f"+{line}", str(path.resolve())]
        if shutil.which(command[0]) is None:
            raise FileNotFoundError(f"no program `{command[0]}`")
        with app.suspend():
            subprocess.run(command, check=False)
    except (ValueError, OSError, SuspendNotSupported) as error:
        return f"cannot run the editor `{editor}` ({error}): set $VISUAL or $EDITOR to an editor's command"
    return None
