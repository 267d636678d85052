"""Read a raw questionnaire export as it comes: CSV, Excel, SPSS or Stata.

Every reader returns a RawTable whose cells are all text (blank = ""), with the row number each
record had in its file, so that later checks can point at the exact cell. Value labels of SPSS and
Stata files are applied here, so a labelled code reaches cleaning as its label.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from .errors import Problem, SurveyInputError

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SPSS_SUFFIXES = {".sav", ".zsav"}
STATA_SUFFIXES = {".dta"}
DELIMITERS = (";", ",", "\t", "|")
# UTF-8 bytes of æ ø å Æ Ø Å decoded as cp1252: the signature of a UTF-8 file read with the wrong encoding.
MOJIBAKE = ("Ã¦", "Ã¸", "Ã¥", "Ã†", "Ã˜", "Ã…")


@dataclass
class RawTable:
    """A raw export: text cells, original column names, and where each record came from."""

    file: str
    frame: pd.DataFrame
    source_rows: np.ndarray
    row_label: str = "row"
    details: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frame)


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_raw(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
             sheet: str | int | None = None, header_rows: int = 1) -> RawTable:
    """Read one raw export, choosing the reader by the file's suffix."""
    path = Path(path)
    if not path.is_file():
        raise SurveyInputError(Problem("file not found", file=str(path)))
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        table = read_csv(path, encoding=encoding, delimiter=delimiter, header_rows=header_rows)
    elif suffix in EXCEL_SUFFIXES:
        table = read_excel(path, sheet=sheet, header_rows=header_rows)
    elif suffix in SPSS_SUFFIXES or suffix in STATA_SUFFIXES:
        table = read_labelled(path)
    elif suffix == ".xls":
        raise SurveyInputError(Problem("the old Excel format .xls is not read", file=str(path),
                                       hint="save the sheet as .xlsx or CSV"))
    else:
        raise SurveyInputError(Problem(
            f"unknown file type '{suffix or '(none)'}'", file=str(path),
            hint="use CSV (.csv), Excel (.xlsx), SPSS (.sav) or Stata (.dta)"))
    table.details["sha256"] = sha256_of(path)
    _check_header(table)
    if len(table) == 0:
        raise SurveyInputError(Problem("the file has a header but no records", file=str(path)))
    return table


def _check_header(table: RawTable) -> None:
    problems = []
    seen: dict[str, str] = {}
    for col in table.frame.columns:
        key = str(col).strip().casefold()
        if key == "" or key.startswith("unnamed:"):
            continue
        if key in seen:
            problems.append(Problem(f"column name appears twice (also as '{seen[key]}')", file=table.file,
                                    row=1 if table.row_label == "row" else None, column=str(col)))
        seen[key] = str(col)
    if problems:
        raise SurveyInputError(problems)


# ---------------------------------------------------------------------------------------------- CSV

def _decode(data: bytes, file: str, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise SurveyInputError(Problem(f"unknown encoding '{encoding}'", file=file,
                                           hint="use utf-8 or cp1252")) from None
        except UnicodeDecodeError as exc:
            row = data[: exc.start].count(b"\n") + 1
            raise SurveyInputError(Problem(
                f"byte {data[exc.start:exc.start + 1]!r} cannot be decoded as {encoding}", file=file, row=row,
                hint="remove the 'encoding' option to let the encoding be detected")) from None
        if text.startswith("\ufeff"):
            text = text[1:]
        return text, encoding
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], True
    else:
        bom = False
    try:
        return data.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise SurveyInputError(Problem(
            f"byte {data[exc.start:exc.start + 1]!r} is neither UTF-8 nor cp1252 text", file=file, row=row,
            hint="export the file as UTF-8 CSV")) from None


def _sniff_delimiter(header: str) -> str:
    counts = {d: 0 for d in DELIMITERS}
    in_quotes = False
    for char in header:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


_PANDAS_LINE = re.compile(r"in line (\d+)")
_PANDAS_ROW = re.compile(r"starting at row (\d+)")
EXTRA = "__extra_field__"
# Arrow parses blocks in parallel; larger blocks than its 1 MB default mean fewer chunks per
# column, and every later column operation pays per chunk.
BLOCK_SIZE = 16 << 20


def _parse_csv_arrow(data: bytes, sep: str, header_rows: int) -> pd.DataFrame | None:
    """The fast path: pyarrow's multi-threaded parser, every cell as an Arrow string. None when any
    record does not fit the header (a blank line, a trailing delimiter, a ragged row, a quote
    left open): the pandas path then reads the file and names the row."""
    irregular = []

    def note(row) -> str:
        irregular.append(row.number)
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            read_options=pa_csv.ReadOptions(skip_rows=header_rows - 1, block_size=BLOCK_SIZE),
            parse_options=pa_csv.ParseOptions(delimiter=sep, newlines_in_values=True, ignore_empty_lines=False,
                                              invalid_row_handler=note),
            convert_options=pa_csv.ConvertOptions(default_column_type=pa.string(), strings_can_be_null=False,
                                                  quoted_strings_can_be_null=False, null_values=[]))
    except (pa.ArrowInvalid, pa.ArrowKeyError, ValueError):
        return None
    if irregular:
        return None
    return table.to_pandas(types_mapper=pd.ArrowDtype)


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
            frame = pd.read_csv(io.StringIO(text), names=header + [EXTRA], header=0, **options)
            extra = np.flatnonzero(frame[EXTRA].str.strip().to_numpy(dtype=str) != "")
            if len(extra):
                raise SurveyInputError(Problem(
                    f"the record does not split into the header's {len(header)} columns with delimiter {sep!r}: "
                    "it has one field more",
                    file=file, row=int(extra[0]) + header_rows + 1, value=frame[EXTRA].iloc[extra[0]],
                    hint="check the delimiter and quoting of this record"))
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
        what = ("a quoted field is never closed" if "inside string" in message else
                f"the record does not split into the header's columns with delimiter {sep!r}")
        raise SurveyInputError(Problem(
            f"{what} ({message})", file=file, row=row,
            hint="check the delimiter and quoting, or set 'delimiter' for this input in the config")) from None
    return frame


def read_csv(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
             header_rows: int = 1) -> RawTable:
    file = str(path)
    data = path.read_bytes()
    if not data or data.isspace():
        raise SurveyInputError(Problem("the file is empty", file=file))
    table = _read_utf8_fast(data, file, delimiter, header_rows) if encoding is None else None
    return table if table is not None else _read_decoded(data, file, encoding, delimiter, header_rows)


def _header_lines(data: bytes, header_rows: int) -> bytes:
    end = -1
    for _ in range(header_rows):
        end = data.find(b"\n", end + 1)
        if end < 0:
            return data
    return data[:end]


def _read_utf8_fast(data: bytes, file: str, delimiter: str | None, header_rows: int) -> RawTable | None:
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
        head = _header_lines(bytes(body[:1 << 20]), header_rows).decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    if len(head) < header_rows:
        return None
    header_line = head[header_rows - 1].rstrip("\r")
    if delimiter and delimiter not in header_line:
        return None
    sep = delimiter or _sniff_delimiter(header_line)
    frame = _parse_csv_arrow(pa.py_buffer(body), sep, header_rows)
    if frame is None:
        return None
    return _raw_table(frame, file, header_rows, "utf-8-sig" if bom else "utf-8", sep)


def _raw_table(frame: pd.DataFrame, file: str, header_rows: int, used_encoding: str, sep: str) -> RawTable:
    frame.columns = [str(c).strip() for c in frame.columns]
    # Records are numbered as a spreadsheet shows them: the header is row `header_rows`.
    rows = np.arange(len(frame), dtype=np.int64) + header_rows + 1
    return RawTable(file=file, frame=frame, source_rows=rows, row_label="row",
                    details={"format": "csv", "encoding": used_encoding, "delimiter": sep})


def _read_decoded(data: bytes, file: str, encoding: str | None, delimiter: str | None,
                  header_rows: int) -> RawTable:
    text, used_encoding = _decode(data, file, encoding)
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
    sep = delimiter or _sniff_delimiter(header_line)
    if delimiter and delimiter not in header_line:
        seen = _sniff_delimiter(header_line)
        looks = f"; the header looks {seen!r}-separated" if seen in header_line else ""
        raise SurveyInputError(Problem(
            f"the header has no {delimiter!r}, the delimiter given in the config{looks}", file=file,
            row=header_rows, hint="remove 'delimiter' from this input to let it be detected, or correct it"))
    utf8 = data[3:] if used_encoding == "utf-8-sig" else data if used_encoding == "utf-8" else text.encode("utf-8")
    frame = _parse_csv_arrow(utf8, sep, header_rows)
    if frame is None:
        frame = _parse_csv(text, sep, header_rows, file)
    return _raw_table(frame, file, header_rows, used_encoding, sep)


# -------------------------------------------------------------------------------------------- Excel

def _as_text(series: pd.Series, labels: dict | None = None) -> pd.Series:
    """Cells as text: labelled codes become their labels, integral floats lose their '.0', missing
    becomes ''. Works on the distinct values only, so it costs little on long columns."""
    values = series.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = []
    for value in uniques:
        if labels and value in labels:
            value = labels[value]
        if isinstance(value, float) and value.is_integer():
            texts.append(str(int(value)))
        elif isinstance(value, (pd.Timestamp,)):
            texts.append(value.isoformat())
        else:
            texts.append(str(value))
    mapped = np.asarray(texts + [""], dtype=object)[codes]
    return pd.Series(mapped, index=series.index, dtype=object)


def read_excel(path: Path, *, sheet: str | int | None = None, header_rows: int = 1) -> RawTable:
    file = str(path)
    try:
        raw = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, header=None, dtype=object,
                            engine="openpyxl")
    except ValueError as exc:
        raise SurveyInputError(Problem(f"cannot read the sheet: {exc}", file=file,
                                       hint="set 'sheet' for this input in the config")) from None
    except Exception as exc:  # openpyxl raises many types for a damaged or non-Excel file
        raise SurveyInputError(Problem(f"not a readable .xlsx file ({type(exc).__name__}: {exc})",
                                       file=file)) from None
    if raw.shape[0] < header_rows:
        raise SurveyInputError(Problem("the sheet has no header row", file=file))
    header = _as_text(raw.iloc[header_rows - 1]).tolist()
    body = raw.iloc[header_rows:].reset_index(drop=True)
    frame = pd.DataFrame({i: _as_text(body[c]) for i, c in enumerate(body.columns)})
    frame.columns = [h.strip() for h in header]
    rows = np.arange(len(frame), dtype=np.int64) + header_rows + 1
    return RawTable(file=file, frame=frame, source_rows=rows, row_label="row",
                    details={"format": "xlsx", "sheet": 0 if sheet is None else sheet})


# ---------------------------------------------------------------------------------- SPSS and Stata

def read_labelled(path: Path) -> RawTable:
    """SPSS .sav/.zsav or Stata .dta through pyreadstat; value labels replace their codes."""
    import pyreadstat

    file = str(path)
    reader = pyreadstat.read_dta if path.suffix.lower() in STATA_SUFFIXES else pyreadstat.read_sav
    try:
        frame, meta = reader(str(path), user_missing=False)
    except Exception as exc:  # pyreadstat raises its own ReadstatError and PyreadstatError
        raise SurveyInputError(Problem(f"not a readable {path.suffix} file ({exc})", file=file)) from None
    labels = meta.variable_value_labels or {}
    columns = {}
    for col in frame.columns:
        mapping = None
        if col in labels:
            mapping = {float(k) if _is_number(k) else k: v for k, v in labels[col].items()}
        columns[str(col).strip()] = _as_text(frame[col], mapping)
    out = pd.DataFrame(columns, index=frame.index)
    rows = np.arange(len(out), dtype=np.int64) + 1
    return RawTable(file=file, frame=out, source_rows=rows, row_label="case",
                    details={"format": path.suffix.lower().lstrip("."), "value_labels": sorted(labels)})


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
