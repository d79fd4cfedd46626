"""Writing and reading the four output tables (DESIGN section 8), atomically.

Everything a command writes goes first into a hidden staging directory next to the output
directory (on the same filesystem); only when every file has been written completely are the
files moved into place with `os.replace`. A run that fails or is interrupted therefore leaves
the output directory as it was: nothing in it is lost, overwritten half-way or left half-written,
and unrelated files in it are never touched.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

TABLES: tuple[str, ...] = ("series", "flows", "events", "agents")
"""The tables of the output contract, in the order they are written."""

FORMATS: tuple[str, ...] = ("csv", "parquet")
STAGING_PREFIX = ".partial-"
"""Staging directories are named `.<out dir name>.partial-<random>` (hidden)."""


def nearest_existing(path: Path) -> Path:
    """`path` itself or its closest ancestor that exists."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _staging_parent(out: Path) -> Path:
    """Where the staging directory goes: next to `out`, on the same filesystem as `out`."""
    if not out.exists():
        return nearest_existing(out)
    parent = out.parent
    if os.stat(parent).st_dev != os.stat(out).st_dev or not os.access(parent, os.W_OK | os.X_OK):
        return out  # `out` is a mount point or its parent is read-only: stage inside `out` (hidden)
    return parent


@contextmanager
def staged_dir(out_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty staging directory; on normal exit move its files into `out_dir`.

    If `out_dir` does not exist yet, the whole staging directory is renamed to it (so the output
    directory appears at once, complete). If it exists, each staged file replaces the file of the
    same name in it, and nothing else in it changes. On an exception (including
    KeyboardInterrupt) the staging directory is removed and `out_dir` is left untouched.
    """
    out = Path(os.path.abspath(out_dir))
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out_dir}: exists and is not a directory")
    parent = _staging_parent(out)
    tmp = _make_staging(parent, out.name or "out")
    try:
        yield tmp
        if not out.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(tmp, out)
                return
            except OSError:
                if not out.is_dir():  # not a race with someone creating it: a real failure
                    raise
        for item in sorted(tmp.iterdir()):
            target = out / item.name
            if target.is_dir() and not target.is_symlink():
                raise IsADirectoryError(f"{target}: is a directory; cannot replace it with a file")
        for item in sorted(tmp.iterdir()):
            os.replace(item, out / item.name)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _make_staging(parent: Path, name: str) -> Path:
    for _ in range(100):
        tmp = parent / f".{name}{STAGING_PREFIX}{secrets.token_hex(4)}"
        try:
            tmp.mkdir()  # honours the umask, unlike tempfile.mkdtemp's 0o700
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"{parent}: cannot create a staging directory")


def write_table(df: pd.DataFrame, path: Path, fmt: str) -> None:
    """Write one table to `path` in `fmt` (csv or parquet)."""
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "parquet":
        df.to_parquet(path, index=False, engine="pyarrow")
    else:
        raise ValueError(f"format = {fmt!r}: must be one of {', '.join(FORMATS)}")


def write_tables(
    tables: Mapping[str, pd.DataFrame],
    out_dir: str | os.PathLike[str],
    fmt: str = "csv",
    extra: Mapping[str, Callable[[Path], object]] | None = None,
) -> list[Path]:
    """Write each table to `out_dir/<name>.<fmt>` atomically, and the `extra` files (file name ->
    writer called with the staged path, e.g. a figure) in the same transaction. Returns the paths."""
    if fmt not in FORMATS:
        raise ValueError(f"format = {fmt!r}: must be one of {', '.join(FORMATS)}")
    names = [f"{name}.{fmt}" for name in tables] + list(extra or {})
    for name in names:
        if Path(name).name != name or name.startswith("."):
            raise ValueError(f"{name!r}: not a plain file name")
    with staged_dir(out_dir) as tmp:
        for name, df in tables.items():
            write_table(df, tmp / f"{name}.{fmt}", fmt)
        for name, writer in (extra or {}).items():
            writer(tmp / name)
    out = Path(out_dir)
    return [out / name for name in names]


def _table_format(directory: Path) -> str:
    """The format of the tables in `directory`: the one whose files are all there (the newer if
    both are)."""
    complete = [fmt for fmt in FORMATS if all((directory / f"{t}.{fmt}").is_file() for t in TABLES)]
    if not complete:
        raise FileNotFoundError(
            f"{directory}: no complete set of tables; expected {', '.join(t + '.csv' for t in TABLES)} (or .parquet)"
        )
    return max(complete, key=lambda fmt: (directory / f"series.{fmt}").stat().st_mtime)


def read_tables(directory: str | os.PathLike[str], fmt: str | None = None) -> dict[str, pd.DataFrame]:
    """Read the four tables written by `write_tables` (format detected when not given)."""
    directory = Path(directory)
    fmt = fmt or _table_format(directory)
    if fmt not in FORMATS:
        raise ValueError(f"format = {fmt!r}: must be one of {', '.join(FORMATS)}")
    out = {}
    for name in TABLES:
        path = directory / f"{name}.{fmt}"
        if fmt == "csv":
            # keep_default_na=False: a country code or a detail such as "NA" stays a string
            out[name] = pd.read_csv(path, keep_default_na=False, na_values=[""])
        else:
            out[name] = pd.read_parquet(path)
    return out


__all__ = ["TABLES", "FORMATS", "staged_dir", "write_table", "write_tables", "read_tables", "nearest_existing"]
