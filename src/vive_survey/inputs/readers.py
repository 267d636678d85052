"""Read a raw questionnaire export as it comes: CSV, Excel, SPSS or Stata.

Every reader returns a RawTable whose cells are all text (blank = ""), with the row number each
record had in its file, so that later checks can point at the exact cell. Value labels of SPSS and
Stata files are applied here, so a labelled code reaches cleaning as its label.

A cell a reader blanks is never blanked silently: RawTable.cell_reasons says, per column and
reason, which records had it (a field absent from a short CSV record, an Excel error cell, a
formula without a stored value, an SPSS/Stata user-defined missing value), so that cleaning can
count every value set to missing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from vive_survey.errors import Problem, SurveyInputError, not_a_file

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SPSS_SUFFIXES = {".sav", ".zsav"}
STATA_SUFFIXES = {".dta"}
DELIMITERS = (";", ",", "\t", "|")
# Reasons a reader gives for a cell it blanked (keys of RawTable.cell_reasons).
SHORT_RECORD = "short_record"
EXCEL_ERROR = "excel_error"
FORMULA_WITHOUT_VALUE = "formula_without_value"
USER_MISSING = "user_missing"
# How many rows from the top are searched for the real header row.
HEADER_SEARCH_ROWS = 10
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
    # column -> reason -> positions (0-based, into frame) of the cells the reader blanked for that reason
    cell_reasons: dict = field(default_factory=dict)
    # positions of the records with fewer fields than the header (CSV)
    short_records: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.frame)

    def flag(self, column: str, reason: str, positions: np.ndarray) -> None:
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions):
            bucket = self.cell_reasons.setdefault(str(column), {})
            old = bucket.get(reason)
            bucket[reason] = positions if old is None else np.union1d(old, positions)


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
        message, hint = not_a_file(path)
        raise SurveyInputError(Problem(message, file=str(path), hint=hint))
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


def _delimiter_counts(line: str) -> dict[str, int]:
    counts = {d: 0 for d in DELIMITERS}
    in_quotes = False
    for char in line:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in counts:
            counts[char] += 1
    return counts


def _sniff_delimiter(header: str) -> str:
    counts = _delimiter_counts(header)
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _has_delimiter(line: str) -> bool:
    return any(d in line for d in DELIMITERS)


def _sniff_below(text: str, header_line: str, header_rows: int) -> str:
    """The delimiter of the header line, unless the lines below it do not split like it (a title
    line read as the header, say, with no delimiter or a comma in it): then the delimiter that
    splits most of the lines below into the same number of fields, so that reading stops at the
    header and can say on which row the column names are."""
    below = [line.rstrip("\r") for line in text.split("\n", header_rows + HEADER_SEARCH_ROWS)[header_rows:]]
    below = [_delimiter_counts(line) for line in below[:HEADER_SEARCH_ROWS - 1] if line.strip()]
    own = _sniff_delimiter(header_line)
    if not below:
        return own

    def agreement(d: str) -> tuple[int, int]:
        usual, lines = Counter(c[d] for c in below).most_common(1)[0]
        return (lines, usual) if usual > 0 else (0, 0)

    if _has_delimiter(header_line) and agreement(own)[1] == _delimiter_counts(header_line)[own]:
        return own
    best = max(DELIMITERS, key=agreement)
    return best if agreement(best)[1] > 0 else own


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


def _records(text: str, sep: str):
    """The records of a CSV text as Python's csv module splits them (the same records as pandas'
    C parser, blank lines included)."""
    # Long open answers: the csv module refuses fields over its limit (128 KiB by default).
    csv.field_size_limit(max(csv.field_size_limit(), min(len(text) + 1, 2**31 - 1)))
    return csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"', doublequote=True)


def _field_counts(text: str, sep: str, header_rows: int, file: str) -> np.ndarray:
    """The number of fields of every record below the header. The splitting is C code (csv, map,
    fromiter): no Python statement runs per record."""
    try:
        return np.fromiter(map(len, _records(text, sep)), dtype=np.int64)[header_rows:]
    except csv.Error as exc:
        raise SurveyInputError(Problem(f"the records cannot be split ({exc})", file=file,
                                       hint="check the quoting of the file")) from None


def _header_row_guess(text: str, sep: str, header_rows: int) -> int | None:
    """The row that looks like the header when the configured one does not split like the records
    below it (a title line above the header, say): the first of the top rows with as many fields
    as most of them. None if the configured header row has that many."""
    counts = [len(record) for record in itertools.islice(_records(text, sep), HEADER_SEARCH_ROWS)]
    if len(counts) <= header_rows or not any(counts):
        return None
    usual = Counter(c for c in counts if c > 0).most_common(1)[0][0]
    if counts[header_rows - 1] == usual:
        return None
    return counts.index(usual) + 1


def header_rows_hint(row: int) -> str:
    return (f"the column names seem to be on row {row}: set 'header_rows: {row}' for this input in the config "
            "(header_rows counts the rows down to and including the row of column names)")


def _split_hint(text: str, sep: str, header_rows: int, otherwise: str) -> str:
    guess = _header_row_guess(text, sep, header_rows)
    return header_rows_hint(guess) if guess is not None else otherwise


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
                    hint=_split_hint(text, sep, header_rows, "check the delimiter and quoting of this record")))
            extra = np.flatnonzero(frame[EXTRA].str.strip().to_numpy(dtype=str) != "")
            if len(extra):
                raise SurveyInputError(Problem(
                    f"the record does not split into the header's {len(header)} columns with delimiter {sep!r}: "
                    "it has one field more",
                    file=file, row=int(extra[0]) + header_rows + 1, value=frame[EXTRA].iloc[extra[0]],
                    hint=_split_hint(text, sep, header_rows, "check the delimiter and quoting of this record")))
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
            hint=hint if quote else _split_hint(text, sep, header_rows, hint))) from None
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
    if delimiter and delimiter not in header_line or not delimiter and not _has_delimiter(header_line):
        return None
    sep = delimiter or _sniff_delimiter(header_line)
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
    sep = delimiter or _sniff_below(text, header_line, header_rows)
    if delimiter and delimiter not in header_line:
        seen = _sniff_delimiter(header_line)
        looks = f"; the header looks {seen!r}-separated" if seen in header_line else ""
        raise SurveyInputError(Problem(
            f"the header has no {delimiter!r}, the delimiter given in the config{looks}", file=file,
            row=header_rows, hint="remove 'delimiter' from this input to let it be detected, or correct it"))
    utf8 = data[3:] if used_encoding == "utf-8-sig" else data if used_encoding == "utf-8" else text.encode("utf-8")
    frame, short = _parse_csv_arrow(utf8, sep, header_rows)
    fields = None
    if frame is None:
        frame = _parse_csv(text, sep, header_rows, file)
        if short:
            fields = _field_counts(text, sep, header_rows, file)
    return _raw_table(frame, file, header_rows, used_encoding, sep, fields)


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
    """An .xlsx sheet through openpyxl. Cells are read as written (a text cell 'NA' is the text NA);
    an error cell (#DIV/0!, #N/A ...) and a formula whose value the file does not store (as written
    by a program that does not calculate) are blanked and flagged with their reason."""
    file = str(path)
    rows, errors, formulas = _sheet_rows(path, file, sheet)
    if len(rows) < header_rows:
        raise SurveyInputError(Problem("the sheet has no header row", file=file))
    width = len(rows[0])
    header = _as_text(pd.Series(rows[header_rows - 1], dtype=object)).tolist()
    body = pd.DataFrame(rows[header_rows:], columns=range(width), dtype=object)
    frame = pd.DataFrame({i: _as_text(body[i]) for i in range(width)})
    frame.columns = [h.strip() for h in header]
    source_rows = np.arange(len(frame), dtype=np.int64) + header_rows + 1
    table = RawTable(file=file, frame=frame, source_rows=source_rows, row_label="row",
                     details={"format": "xlsx", "sheet": 0 if sheet is None else sheet})
    for reason, cells in ((EXCEL_ERROR, errors), (FORMULA_WITHOUT_VALUE, formulas)):
        by_column: dict[int, list[int]] = {}
        for r, c in cells:
            if r >= header_rows:
                by_column.setdefault(c, []).append(r - header_rows)
        for c, positions in by_column.items():
            table.flag(frame.columns[c], reason, np.array(positions, dtype=np.int64))
    return table


def _open_sheet(path: Path, file: str, sheet: str | int | None, *, data_only: bool):
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=data_only, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for a damaged or non-Excel file
        raise SurveyInputError(Problem(f"not a readable .xlsx file ({type(exc).__name__}: {exc})",
                                       file=file)) from None
    names = book.sheetnames
    if isinstance(sheet, str) and sheet not in names:
        book.close()
        raise SurveyInputError(Problem(f"the workbook has no sheet named {sheet!r}", file=file,
                                       hint=f"set 'sheet' for this input to one of: {', '.join(map(repr, names))}"))
    index = 0 if sheet is None else sheet
    if isinstance(index, int) and not 0 <= index < len(names):
        book.close()
        raise SurveyInputError(Problem(f"the workbook has no sheet number {index} (it has {len(names)}, numbered "
                                       f"from 0)", file=file, hint=f"its sheets are: {', '.join(map(repr, names))}"))
    worksheet = book[index] if isinstance(index, str) else book.worksheets[index]
    if hasattr(worksheet, "reset_dimensions"):
        worksheet.reset_dimensions()  # the declared dimensions of a sheet can be wrong
    return book, worksheet


def _sheet_rows(path: Path, file: str, sheet: str | int | None
                ) -> tuple[list[list], list[tuple[int, int]], list[tuple[int, int]]]:
    """The sheet's values row by row (trailing blank rows and cells dropped), with the (row, column)
    of every error cell and of every formula without a stored value. Formulas are found in a first
    pass that reads formulas; only if there are any is the sheet read again for their stored values."""
    from openpyxl.cell.cell import TYPE_ERROR, TYPE_FORMULA

    book, worksheet = _open_sheet(path, file, sheet, data_only=False)
    rows: list[list] = []
    errors: list[tuple[int, int]] = []
    formulas: list[tuple[int, int]] = []
    try:
        for r, cells in enumerate(worksheet.rows):
            values = []
            for c, cell in enumerate(cells):
                value, kind = cell.value, cell.data_type
                if value is not None and kind == TYPE_ERROR:
                    errors.append((r, c))
                    value = None
                elif value is not None and kind == TYPE_FORMULA:
                    formulas.append((r, c))
                    value = None
                values.append(value)
            rows.append(values)
    except Exception as exc:  # noqa: BLE001 - a damaged sheet
        raise SurveyInputError(Problem(f"not a readable .xlsx file ({type(exc).__name__}: {exc})",
                                       file=file)) from None
    finally:
        book.close()
    unstored = []
    if formulas:
        wanted = {}
        for r, c in formulas:
            wanted.setdefault(r, []).append(c)
        book, worksheet = _open_sheet(path, file, sheet, data_only=True)
        try:
            for r, cells in enumerate(worksheet.rows):
                if r not in wanted:
                    continue
                cells = list(cells)
                for c in wanted[r]:
                    cell = cells[c] if c < len(cells) else None
                    if cell is None or cell.value is None:
                        unstored.append((r, c))
                    elif cell.data_type == TYPE_ERROR:
                        errors.append((r, c))
                    else:
                        rows[r][c] = cell.value
        finally:
            book.close()
    for values in rows:
        while values and values[-1] is None:
            values.pop()
    flagged = errors + unstored
    last_row = max([r for r, values in enumerate(rows) if values] + [r for r, _ in flagged], default=-1)
    del rows[last_row + 1:]
    width = max([len(values) for values in rows] + [c + 1 for _, c in flagged], default=0)
    for values in rows:
        values.extend([None] * (width - len(values)))
    return rows, sorted(errors), unstored


# ---------------------------------------------------------------------------------- SPSS and Stata

def read_labelled(path: Path) -> RawTable:
    """SPSS .sav/.zsav or Stata .dta through pyreadstat; value labels replace their codes.

    User-defined missing values (SPSS missing values and ranges, Stata's .a to .z) are read as the
    values they are, then blanked and flagged 'user_missing', so that cleaning counts them."""
    import pyreadstat

    file = str(path)
    stata = path.suffix.lower() in STATA_SUFFIXES
    reader = pyreadstat.read_dta if stata else pyreadstat.read_sav
    try:
        frame, meta = reader(str(path), user_missing=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError and PyreadstatError
        raise SurveyInputError(Problem(f"not a readable {path.suffix} file ({exc})", file=file)) from None
    labels = meta.variable_value_labels or {}
    columns, flagged = {}, {}
    for col in frame.columns:
        values = frame[col]
        user_missing = _user_missing(values, col, meta, stata)
        if user_missing is not None and user_missing.any():
            values = values.astype(object).mask(user_missing)
            flagged[str(col).strip()] = np.flatnonzero(user_missing)
        mapping = None
        if col in labels:
            mapping = {float(k) if _is_number(k) else k: v for k, v in labels[col].items()}
        columns[str(col).strip()] = _as_text(values, mapping)
    out = pd.DataFrame(columns, index=frame.index)
    rows = np.arange(len(out), dtype=np.int64) + 1
    table = RawTable(file=file, frame=out, source_rows=rows, row_label="case",
                     details={"format": path.suffix.lower().lstrip("."), "value_labels": sorted(labels)})
    for col, positions in flagged.items():
        table.flag(col, USER_MISSING, positions)
    return table


def _user_missing(values: pd.Series, col: str, meta, stata: bool) -> np.ndarray | None:
    """Which cells of a column hold a user-defined missing value, or None if it can have none.
    Decided per distinct value."""
    if stata:
        # A numeric Stata variable read with user_missing=True holds .a to .z as the letters a to z.
        if (meta.readstat_variable_types or {}).get(col) == "string" or values.dtype != object:
            return None
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        missing = np.array([isinstance(u, str) for u in uniques] + [False])
        return missing[codes]
    ranges = (meta.missing_ranges or {}).get(col)
    if not ranges:
        return None
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    missing = np.zeros(len(uniques) + 1, dtype=bool)
    for k, value in enumerate(uniques):
        for span in ranges:
            low, high = span.get("lo"), span.get("hi")
            if isinstance(value, str):
                missing[k] |= isinstance(low, str) and value.strip() == str(low).strip()
            elif _is_number(value) and _is_number(low) and _is_number(high):
                missing[k] |= low <= value <= high
    return missing[codes]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
