"""Parse a CSV export into a RawTable: the Arrow fast path for the usual well-formed UTF-8 file, and
pandas' parser for everything else, which finds and names the record that does not fit.

A record with fewer fields than the header is kept, its absent fields flagged 'short_record'.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from vive_survey.errors import Problem, SurveyInputError
from vive_survey.inputs.readers.csv_text import (MOJIBAKE, check_not_utf16, decode, has_delimiter, header_field_count,
                                                 header_lines, sniff_below, sniff_delimiter, split_hint,
                                                 split_records)
from vive_survey.inputs.readers.table import MAX_COLUMNS, SHORT_RECORD, RawTable, check_columns

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
# Where pandas' parser errors say the record is.
_PANDAS_LINE = re.compile(r"in line (\d+)")
_PANDAS_ROW = re.compile(r"starting at row (\d+)")
EXTRA = "__extra_field__"
# Arrow parses blocks in parallel; larger blocks than its 1 MB default mean fewer chunks per
# column, and every later column operation pays per chunk.
BLOCK_SIZE = 16 << 20


class _Irregular:
    """What the Arrow parser saw of records that do not fit the header."""

    def __init__(self) -> None:
        self.rows = 0
        self.short = False

    def note(self, row) -> str:
        self.rows += 1
        if row.actual_columns < row.expected_columns:
            self.short = True
        return "skip"


def _parse_csv_arrow(data: bytes, sep: str, header_rows: int, *, valid_utf8: bool = True
                     ) -> tuple[pd.DataFrame | None, bool]:
    """The fast path: pyarrow's multi-threaded parser, every cell as an Arrow string.

    Returns (frame, short): frame is None when any record does not fit the header (a trailing
    delimiter, a ragged row, a quote left open): the pandas path then reads the file and names the
    row. `short` says whether a record may have fewer fields than the header (then the pandas path
    counts the fields of every record). `valid_utf8`: the bytes are known to be UTF-8; if not, an
    irregular record stops the parse at once (Arrow cannot hand the text of a record that is not
    UTF-8 to Python), and `short` is True, not known."""
    irregular = _Irregular()
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            read_options=pa_csv.ReadOptions(skip_rows=header_rows - 1, block_size=BLOCK_SIZE),
            parse_options=pa_csv.ParseOptions(delimiter=sep, newlines_in_values=True, ignore_empty_lines=False,
                                              invalid_row_handler=irregular.note if valid_utf8 else None),
            convert_options=pa_csv.ConvertOptions(default_column_type=pa.string(), strings_can_be_null=False,
                                                  quoted_strings_can_be_null=False, null_values=[]))
    except (pa.ArrowInvalid, pa.ArrowKeyError, ValueError):  # UnicodeDecodeError (a bad record's text) included
        return None, True
    if irregular.rows:
        return None, irregular.short
    return table.to_pandas(types_mapper=pd.ArrowDtype), False


def _field_counts(text: str, sep: str, header_rows: int, file: str) -> np.ndarray:
    """The number of fields of every record below the header. The splitting is C code (csv, map,
    fromiter): no Python statement runs per record."""
    try:
        return np.fromiter(map(len, split_records(text, sep)), dtype=np.int64)[header_rows:]
    except csv.Error as exc:
        raise SurveyInputError(Problem(f"the records cannot be split ({exc})", file=file,
                                       hint="check the quoting of the file")) from None


def _parse_csv(text: str, sep: str, header_rows: int, file: str) -> pd.DataFrame:
    """pandas' C parser, all cells as text, blank lines kept (so row numbers stay true).

    A record with one field more than the header is accepted only if that field is empty (a
    trailing delimiter, as some exporters write); pandas would otherwise either shift every value
    one column left (taking the first column as an index) or drop the field without a word."""
    options = dict(sep=sep, dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False,
                   skiprows=header_rows - 1, quoting=csv.QUOTE_MINIMAL, index_col=False)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_csv(io.StringIO(text), **options)
        if any("does not match length of data" in str(w.message) for w in caught):
            header = list(frame.columns)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                frame = pd.read_csv(io.StringIO(text), names=header + [EXTRA], header=0, **options)
            if any("does not match length of data" in str(w.message) for w in caught):
                # Some record has two fields or more beyond the header (pandas would drop them).
                fields = _field_counts(text, sep, header_rows, file)
                first = int(np.flatnonzero(fields > len(header) + 1)[0]) if (fields > len(header) + 1).any() else 0
                raise SurveyInputError(Problem(
                    f"the record does not split into the header's {len(header)} columns with delimiter {sep!r}: "
                    f"it has {int(fields[first])} fields", file=file, row=first + header_rows + 1,
                    hint=split_hint(text, sep, header_rows, "check the delimiter and quoting of this record")))
            extra = np.flatnonzero(frame[EXTRA].str.strip().to_numpy(dtype=str) != "")
            if len(extra):
                raise SurveyInputError(Problem(
                    f"the record does not split into the header's {len(header)} columns with delimiter {sep!r}: "
                    "it has one field more",
                    file=file, row=int(extra[0]) + header_rows + 1, value=frame[EXTRA].iloc[extra[0]],
                    hint=split_hint(text, sep, header_rows, "check the delimiter and quoting of this record")))
            frame = frame.drop(columns=EXTRA)
    except pd.errors.EmptyDataError:
        raise SurveyInputError(Problem("the file has no header row", file=file)) from None
    except pd.errors.ParserError as exc:
        message = str(exc).strip()
        row = None
        if match := _PANDAS_LINE.search(message):
            row = int(match.group(1)) + header_rows - 1
        elif match := _PANDAS_ROW.search(message):
            row = int(match.group(1)) + header_rows
        quote = "inside string" in message
        what = ("a quoted field is never closed" if quote else
                f"the record does not split into the header's columns with delimiter {sep!r}")
        hint = "check the delimiter and quoting, or set 'delimiter' for this input in the config"
        raise SurveyInputError(Problem(
            f"{what} ({message})", file=file, row=row,
            hint=hint if quote else split_hint(text, sep, header_rows, hint))) from None
    return frame


def read_csv(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
             header_rows: int = 1, max_columns: int = MAX_COLUMNS) -> RawTable:
    """`max_columns`: a header with more columns stops the read before the file is parsed (a
    parser's memory grows with the columns times the records)."""
    file = str(path)
    data = path.read_bytes()
    if not data or data.isspace():
        raise SurveyInputError(Problem("the file is empty", file=file))
    if encoding is None:
        check_not_utf16(data, file)
    table = _read_utf8_fast(data, file, delimiter, header_rows, max_columns) if encoding is None else None
    return table if table is not None else _read_decoded(data, file, encoding, delimiter, header_rows, max_columns)


def _check_width(header_line: str, sep: str, file: str, header_rows: int, max_columns: int) -> None:
    # The count of delimiters bounds the count of fields (a quoted delimiter counts too): the exact
    # count is taken only when the bound is over the limit.
    if header_line.count(sep) + 1 > max_columns:
        check_columns(header_field_count(header_line, sep), max_columns, file, row=header_rows)


def _read_utf8_fast(data: bytes, file: str, delimiter: str | None, header_rows: int,
                    max_columns: int = MAX_COLUMNS) -> RawTable | None:
    """The common case, a well-formed UTF-8 export, without decoding the file in Python: Arrow
    checks the UTF-8 as it parses. None sends the file to the general path (another encoding,
    mojibake, an irregular record, a delimiter to complain about), which finds and names the problem."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    bom = data.startswith(b"\xef\xbb\xbf")
    body = memoryview(data)[3:] if bom else memoryview(data)
    # Every mojibake sign starts with 'Ã' (C3 83 in UTF-8): one scan of the bytes.
    if data.find(b"\xc3\x83") >= 0:
        return None
    try:
        head = header_lines(data, header_rows, 3 if bom else 0).decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    if len(head) < header_rows:
        return None
    header_line = head[header_rows - 1].rstrip("\r")
    if delimiter and delimiter not in header_line or not delimiter and not has_delimiter(header_line):
        return None
    sep = delimiter or sniff_delimiter(header_line)
    _check_width(header_line, sep, file, header_rows, max_columns)
    frame, _ = _parse_csv_arrow(pa.py_buffer(body), sep, header_rows, valid_utf8=False)
    if frame is None:
        return None
    return _raw_table(frame, file, header_rows, "utf-8-sig" if bom else "utf-8", sep)


def _raw_table(frame: pd.DataFrame, file: str, header_rows: int, used_encoding: str, sep: str,
               fields: np.ndarray | None = None) -> RawTable:
    """`fields`: the number of fields of each record, when some may be short (pandas pads a short
    record with blanks that look like empty answers; they are flagged here as absent)."""
    frame.columns = [str(c).strip() for c in frame.columns]
    # Records are numbered as a spreadsheet shows them: the header is row `header_rows`.
    rows = np.arange(len(frame), dtype=np.int64) + header_rows + 1
    table = RawTable(file=file, frame=frame, source_rows=rows, row_label="row",
                     details={"format": "csv", "encoding": used_encoding, "delimiter": sep})
    if fields is not None:
        _flag_short_records(table, fields)
    return table


def _flag_short_records(table: RawTable, fields: np.ndarray) -> None:
    """A record with fewer fields than the header is kept; each absent field is flagged
    'short_record' in its column (a blank line, no field at all, is flagged too: cleaning
    excludes it as an empty row)."""
    if len(fields) != len(table.frame):  # the csv module and pandas disagree on where records end
        raise SurveyInputError(Problem(
            f"the file splits into {len(table.frame)} records by one reading and {len(fields)} by another",
            file=table.file, hint="check the quoting of fields that hold line breaks or quotes"))
    width = len(table.frame.columns)
    short = np.flatnonzero(fields < width)
    table.short_records = short
    if not len(short):
        return
    have = fields[short]
    for j, column in enumerate(table.frame.columns):
        table.flag(column, SHORT_RECORD, short[have <= j])


def _read_decoded(data: bytes, file: str, encoding: str | None, delimiter: str | None,
                  header_rows: int, max_columns: int = MAX_COLUMNS) -> RawTable:
    text, used_encoding = decode(data, file, encoding)
    # Mojibake: UTF-8 letters read as cp1252, by this read or baked into the file by an earlier
    # conversion. Searched in the bytes (fast) when the file is UTF-8.
    if used_encoding.startswith("utf-8"):
        baked = [sign.encode("utf-8") for sign in MOJIBAKE]
        found = any(data.find(sign) >= 0 for sign in baked)
        hint = "the file was converted to UTF-8 twice: export it again as UTF-8"
    else:
        found = any(sign in text for sign in MOJIBAKE)
        hint = "the file is UTF-8: remove 'encoding: cp1252' from its input in the config"
    if found:
        raise SurveyInputError(Problem(
            "the text holds UTF-8 letters decoded as cp1252 (for example 'Ã¸' for 'ø')", file=file,
            row=next(i for i, line in enumerate(text.splitlines(), 1) if any(s in line for s in MOJIBAKE)),
            hint=hint))
    head = text.split("\n", header_rows)[:header_rows]
    header_line = head[header_rows - 1].rstrip("\r") if len(head) >= header_rows else ""
    sep = delimiter or sniff_below(text, header_line, header_rows)
    if delimiter and delimiter not in header_line:
        seen = sniff_delimiter(header_line)
        looks = f"; the header looks {seen!r}-separated" if seen in header_line else ""
        raise SurveyInputError(Problem(
            f"the header has no {delimiter!r}, the delimiter given in the config{looks}", file=file,
            row=header_rows, hint="remove 'delimiter' from this input to let it be detected, or correct it"))
    _check_width(header_line, sep, file, header_rows, max_columns)
    utf8 = data[3:] if used_encoding == "utf-8-sig" else data if used_encoding == "utf-8" else text.encode("utf-8")
    frame, short = _parse_csv_arrow(utf8, sep, header_rows)
    fields = None
    if frame is None:
        frame = _parse_csv(text, sep, header_rows, file)
        if short:
            fields = _field_counts(text, sep, header_rows, file)
    return _raw_table(frame, file, header_rows, used_encoding, sep, fields)
