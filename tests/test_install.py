"""An installed revise works from any folder: the wheel carries the cards, and the database and settings go to the
user's platform folders, not to the checkout; the checkout itself keeps its files at the project root."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from revise import paths
from revise.cards.loader import check_cards
from revise.paths import PROJECT_ROOT

# What the wheel is built from, copied so that building leaves nothing (build/, *.egg-info) in the checkout.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "revise", "demos", "cards")
NOT_SOURCE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc")


def run(command: list[str | Path], **options) -> subprocess.CompletedProcess[str]:
    """Runs a command to its end, failing the test with its stderr if it fails."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **options)
    assert result.returncode == 0, f"{command} failed:\n{result.stderr}"
    return result


def build_wheel(folder: Path) -> Path:
    """The wheel of a copy of the checkout, built offline with the setuptools already installed."""
    source = folder / "source"
    source.mkdir(parents=True)
    for name in SOURCES:
        if (PROJECT_ROOT / name).is_dir():
            shutil.copytree(PROJECT_ROOT / name, source / name, ignore=NOT_SOURCE)
        else:
            shutil.copy2(PROJECT_ROOT / name, source / name)
    run([sys.executable, "-m", "pip", "wheel", source, "--no-deps", "--no-build-isolation", "-q",
         "-w", folder / "dist"])
    return next((folder / "dist").glob("revise-*.whl"))


def fresh_venv(folder: Path, wheel: Path) -> tuple[Path, Path]:
    """A new virtual environment with the wheel installed, seeing this environment's packages as its dependencies
    through a .pth file (nothing downloaded); its bin folder and its site-packages."""
    run([sys.executable, "-m", "venv", "--without-pip", folder])
    python = folder / "bin" / "python"
    site_packages = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    ours = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    (site_packages / "project_venv.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel])
    return folder / "bin", site_packages


def user_env(home: Path) -> dict[str, str]:
    """The environment of a user whose home is `home`: no revise, Numba or XDG variables, nothing on PYTHONPATH."""
    dropped = ("REVISE_", "XDG_", "NUMBA_", "PYTHONPATH", "VIRTUAL_ENV")
    return {**{key: value for key, value in os.environ.items() if not key.startswith(dropped)}, "HOME": str(home)}


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="checks the XDG folders of Linux and other Unixes")
def test_an_installed_revise_runs_from_any_folder_with_its_files_in_the_users_folders(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "build")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {path.relative_to(PROJECT_ROOT).as_posix() for package in ("revise", "demos")
               for path in (PROJECT_ROOT / package).rglob("*") if path.suffix in (".py", ".tcss")}
    assert shipped <= names, f"not in the wheel (a package missing from pyproject.toml?): {sorted(shipped - names)}"
    bundled = {f"revise/bundled_cards/{path.name}" for path in (PROJECT_ROOT / "cards").iterdir() if path.is_file()}
    assert bundled <= names and any(name.endswith(".dist-info/licenses/LICENSE") for name in names)

    bin_dir, site_packages = fresh_venv(tmp_path / "venv", wheel)
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = user_env(home)
    checkout_files = {name for name in ("data.db", "revise.toml") if (PROJECT_ROOT / name).exists()}

    def revise(*arguments: str) -> subprocess.CompletedProcess[str]:
        """The installed `revise`, run as that user from a folder unrelated to the checkout."""
        return run([bin_dir / "revise", *arguments], cwd=elsewhere, env=env)

    imported = run([bin_dir / "python", "-c", "import revise, demos; print(revise.__file__); print(demos.__file__)"],
                   cwd=elsewhere, env=env).stdout.split()
    assert all(Path(module).is_relative_to(site_packages) for module in imported), imported

    card_count, _ = check_cards(PROJECT_ROOT / "cards")
    assert f"sync: {card_count} added" in revise("sync").stdout
    assert (home / ".local/share/revise/data.db").is_file()
    settings = home / ".config/revise/revise.toml"
    settings.write_text("no_such_setting = 1\n", encoding="utf-8")

    stats = revise("stats", "--json")
    assert json.loads(stats.stdout)["cards"] == card_count
    assert f"{settings}:1: unknown setting" in stats.stderr, "the settings must be read from the config folder"

    imported = revise("import", str(_anki_package(tmp_path / "anki")))
    assert "import: 4 cards in 2 decks" in imported.stdout and "history: 4 reviews logged" in imported.stdout
    own = home / ".local/share/revise/cards"
    assert sorted(path.name for path in own.glob("*.md")) == ["default.md", "ml-optimisation.md"]
    assert json.loads(revise("stats", "--json").stdout)["cards"] == card_count + 4

    demo = json.loads(revise("demo", "nms", "--json").stdout)
    assert demo["data"]["kept"] == [0, 4] and "kept 2 of 9 boxes" in demo["summary"]
    assert list((site_packages / "demos" / "__pycache__").glob("nms.*.nbi")), "the kernels must be cached"

    assert not list(elsewhere.iterdir()) and not list(site_packages.glob("data.db*"))
    assert {name for name in ("data.db", "revise.toml") if (PROJECT_ROOT / name).exists()} == checkout_files


def _anki_package(folder: Path) -> Path:
    """A current-format Anki package with notes of each kind and their reviews, made by the `anki` library."""
    from tests.test_anki_import import _build_collection

    folder.mkdir()
    _build_collection(folder)
    return folder / "current.apkg"


def test_a_checkout_keeps_its_files_at_the_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("REVISE_DB", "REVISE_CARDS", "REVISE_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    assert paths.running_from_checkout()
    assert paths.default_db_path() == PROJECT_ROOT / "data.db"
    assert paths.default_cards_dir() == PROJECT_ROOT / "cards"
    assert paths.default_config_path() == PROJECT_ROOT / "revise.toml"


def test_installed_defaults_follow_xdg_and_yield_to_the_revise_variables(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "running_from_checkout", lambda: False)
    monkeypatch.setattr(sys, "platform", "linux")
    for variable in ("REVISE_DB", "REVISE_CARDS", "REVISE_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/so/ignored")
    assert paths.default_db_path() == tmp_path / "data" / "revise" / "data.db"
    assert paths.default_config_path() == tmp_path / "home" / ".config" / "revise" / "revise.toml"
    assert (tmp_path / "home" / ".config" / "revise").is_dir(), "made, so that the app can save settings there"
    assert paths.default_cards_dir() == paths.BUNDLED_CARDS_DIR
    own = tmp_path / "data" / "revise" / "cards"
    assert paths.card_folders() == [paths.BUNDLED_CARDS_DIR, own] and own.is_dir(), "new cards go to the last"
    assert paths.card_folders(None, ["~/notes", "shared"], tmp_path / "config") == [
        paths.BUNDLED_CARDS_DIR, tmp_path / "home" / "notes", tmp_path / "config" / "shared", own]
    assert paths.card_folders([tmp_path / "a", tmp_path / "b"], ["~/notes"]) == [tmp_path / "a", tmp_path / "b"]
    monkeypatch.setenv("REVISE_DB", str(tmp_path / "mine.db"))
    monkeypatch.setenv("REVISE_CARDS", str(tmp_path / "my-cards"))
    monkeypatch.setenv("REVISE_CONFIG", str(tmp_path / "mine.toml"))
    assert (paths.default_db_path(), paths.card_folders(), paths.default_config_path()) == (
        tmp_path / "mine.db", [tmp_path / "my-cards"], tmp_path / "mine.toml")


def test_numbas_cache_moves_to_the_user_cache_folder_only_when_the_demos_folder_is_read_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMBA_CACHE_DIR", "")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os, "access", lambda path, mode: True)
    paths.place_numba_cache()
    assert "NUMBA_CACHE_DIR" not in os.environ, "a writable demos folder keeps Numba's cache beside the kernels"
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    paths.place_numba_cache()
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "cache" / "revise" / "numba")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "chosen"))
    paths.place_numba_cache()
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "chosen"), "a NUMBA_CACHE_DIR already set is kept"
