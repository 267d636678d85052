"""Writing an output atomically: to a temporary file beside it, renamed into place only when complete.

A step that fails, or is killed, therefore never leaves a partial output that a later run could
trust; the temporary files a killed step leaves (`.<name>.<random>.tmp`) are removed by
`vive_survey.recovery` when the next run starts.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd

from vive_survey.safe_text import neutralise_frame


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; move it onto `target` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_json(obj: object, target: str | Path) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")


def write_parquet(frame: pd.DataFrame, target: str | Path) -> None:
    with atomic_path(target) as tmp:
        # Statistics are left out: nothing reads the file by predicate, and they cost a third of the write.
        frame.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd", write_statistics=False)


def write_csv(frame: pd.DataFrame, target: str | Path) -> None:
    """CSV, UTF-8, with text that a spreadsheet could run as a formula neutralised."""
    with atomic_path(target) as tmp:
        neutralise_frame(frame).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")


