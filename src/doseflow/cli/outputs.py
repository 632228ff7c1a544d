"""Writing command outputs to files: a figure, a table, safely and with clear errors."""

from __future__ import annotations

from pathlib import Path

from doseflow.errors import InputError

__all__ = ["prepare_output_dir", "save_figure"]


def save_figure(fig, path: Path, option: str) -> Path:
    """Save a matplotlib Figure as PNG (200 dpi) or SVG by the file's suffix; errors name ``option``."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise InputError(option, "a file name ending in .png or .svg", str(path))
    if not path.parent.is_dir():
        raise InputError(option, "a file in an existing folder", str(path))
    try:
        fig.savefig(path, dpi=200)
    except OSError as exc:
        raise InputError(option, "a file that can be written", str(path), str(exc)) from None
    return path


def prepare_output_dir(path: Path, option: str = "--out") -> Path:
    """A folder to write into: created if absent; an existing file or an unwritable place is an error."""
    path = Path(path)
    if str(path).strip() == "":
        raise InputError(option, "a folder name", str(path))
    if path.exists() and not path.is_dir():
        raise InputError(option, "a folder (not a file)", str(path))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(option, "a folder that can be created", str(path), str(exc)) from None
    return path
