"""`revise stats --plot DIR`: every plot saved as a PNG with a clear name, and a one-line error for a bad DIR."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from revise.cli import main
from revise.collection import Collection

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PLOT_FILES = ["heatmap.png", "forecast.png", "retention.png", "counts.png", "intervals.png", "stability.png",
              "difficulty.png", "retrievability.png", "drills.png"]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_plot_writes_every_plot_as_a_png_in_a_new_folder(capsys, collection: Collection, db_path: Path,
                                                         cards_dir: Path, tmp_path: Path) -> None:
    collection.rate(collection.card("gd-update"), 3, duration_ms=5000)
    folder = tmp_path / "plots" / "today"
    code, out, err = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "stats", "--plot", str(folder))
    assert code == 0, err
    assert sorted(path.name for path in folder.iterdir()) == sorted(PLOT_FILES)
    for name in PLOT_FILES:
        data = (folder / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5000, f"{name} is not a drawn PNG"
        assert f"plot saved to {folder / name}" in out


def test_plot_with_json_keeps_stdout_json_and_lists_the_files_on_stderr(capsys, db_path: Path, cards_dir: Path,
                                                                        tmp_path: Path) -> None:
    code, out, err = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "stats", "--json",
                         "--plot", str(tmp_path / "plots"))
    assert code == 0
    json.loads(out)
    assert err.count("plot saved to") == len(PLOT_FILES)


def test_a_plot_folder_that_cannot_be_made_is_a_one_line_error(capsys, db_path: Path, cards_dir: Path,
                                                               tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    code, _, err = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "stats",
                       "--plot", str(blocker / "plots"))
    assert code == 1
    assert err.startswith("revise: error: cannot create the plot folder") and str(blocker / "plots") in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert blocker.read_text() == "a file, not a folder", "the file in the way is left as it was"


def test_a_plot_file_that_cannot_be_written_is_a_one_line_error(capsys, db_path: Path, cards_dir: Path,
                                                                tmp_path: Path) -> None:
    (tmp_path / "plots" / "heatmap.png").mkdir(parents=True)
    code, _, err = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "stats",
                       "--plot", str(tmp_path / "plots"))
    assert code == 1
    assert err.startswith(f"revise: error: cannot write {tmp_path / 'plots' / 'heatmap.png'}: ")
    assert err.count("\n") == 1
