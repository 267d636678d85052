"""The text of a CSV export before it is parsed: its encoding, mojibake, its delimiter, and the
row its column names seem to be on.

Decoding and sniffing look at a few lines only; splitting into records here is the csv module's,
used to count fields and to guess the header row when the configured one does not fit.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter

from vive_survey.errors import Problem, SurveyInputError, cut_text
from vive_survey.inputs.readers.table import HEADER_SEARCH_ROWS, header_rows_hint

DELIMITERS = (";", ",", "\t", "|")
# UTF-8 bytes of æ ø å Æ Ø Å decoded as cp1252: the signature of a UTF-8 file read with the wrong encoding.
MOJIBAKE = ("Ã¦", "Ã¸", "Ã¥", "Ã†", "Ã˜", "Ã…")


# UTF-16 without a byte-order mark: in the first bytes, one of each two is mostly NUL.
UTF16_SAMPLE = 4096
UTF16_NUL_SHARE = 0.3
UTF16_MESSAGE = ("the file looks like UTF-16 without a byte-order mark: save it as UTF-8, or set "
                 "encoding: utf-16-le / utf-16-be")


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the text looks like UTF-16 without a byte-order mark (many NUL
    bytes, in alternate positions), else None. Looks at the first few KiB only."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    sample = data[:UTF16_SAMPLE]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= UTF16_NUL_SHARE * pairs and even < odd / 4:
        return "utf-16-le"
    if even >= UTF16_NUL_SHARE * pairs and odd < even / 4:
        return "utf-16-be"
    return None


def check_not_utf16(data: bytes, file: str) -> None:
    guess = utf16_without_bom(data)
    if guess:
        raise SurveyInputError(Problem(UTF16_MESSAGE, file=file,
                                       hint=f"its NUL bytes suggest {guess}: set 'encoding: {guess}' for this input"))


def header_field_count(header_line: str, sep: str) -> int:
    """The number of fields of a header line, quoting respected (C code: fast on a very wide line)."""
    try:
        csv.field_size_limit(max(csv.field_size_limit(), min(len(header_line) + 1, 2**31 - 1)))
        return len(next(csv.reader([header_line], delimiter=sep, quotechar='"', doublequote=True), []))
    except csv.Error:
        return header_line.count(sep) + 1


def decode(data: bytes, file: str, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise SurveyInputError(Problem(f"unknown encoding '{encoding}'", file=file,
                                           hint="use utf-8 or cp1252")) from None
        except UnicodeDecodeError as exc:
            row = data[: exc.start].count(b"\n") + 1
            raise SurveyInputError(Problem(
                f"byte {data[exc.start:exc.start + 1]!r} cannot be decoded as {encoding} ({cut_text(exc.reason, 80)})",
                file=file, row=row, hint="remove the 'encoding' option to let the encoding be detected")) from None
        if text.startswith("\ufeff"):
            text = text[1:]
        return text, encoding
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise SurveyInputError(Problem(f"the file starts with a UTF-16 byte-order mark but is not UTF-16 text "
                                           f"({cut_text(exc.reason, 80)})", file=file,
                                           hint="export the file as UTF-8 CSV")) from None
    check_not_utf16(data, file)
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
    if '"' not in line:  # no quoting: counted in C (a very wide header line is quick)
        return {d: line.count(d) for d in DELIMITERS}
    counts = {d: 0 for d in DELIMITERS}
    in_quotes = False
    for char in line:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in counts:
            counts[char] += 1
    return counts


def sniff_delimiter(header: str) -> str:
    counts = _delimiter_counts(header)
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def has_delimiter(line: str) -> bool:
    return any(d in line for d in DELIMITERS)


def sniff_below(text: str, header_line: str, header_rows: int) -> str:
    """The delimiter of the header line, unless the lines below it do not split like it (a title
    line read as the header, say, with no delimiter or a comma in it): then the delimiter that
    splits most of the lines below into the same number of fields, so that reading stops at the
    header and can say on which row the column names are."""
    below = [line.rstrip("\r") for line in text.split("\n", header_rows + HEADER_SEARCH_ROWS)[header_rows:]]
    below = [_delimiter_counts(line) for line in below[:HEADER_SEARCH_ROWS - 1] if line.strip()]
    own = sniff_delimiter(header_line)
    if not below:
        return own

    def agreement(d: str) -> tuple[int, int]:
        usual, lines = Counter(c[d] for c in below).most_common(1)[0]
        return (lines, usual) if usual > 0 else (0, 0)

    if has_delimiter(header_line) and agreement(own)[1] == _delimiter_counts(header_line)[own]:
        return own
    best = max(DELIMITERS, key=agreement)
    return best if agreement(best)[1] > 0 else own


def split_records(text: str, sep: str):
    """The records of a CSV text as Python's csv module splits them (the same records as pandas'
    C parser, blank lines included)."""
    # Long open answers: the csv module refuses fields over its limit (128 KiB by default).
    csv.field_size_limit(max(csv.field_size_limit(), min(len(text) + 1, 2**31 - 1)))
    return csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"', doublequote=True)


def _header_row_guess(text: str, sep: str, header_rows: int) -> int | None:
    """The row that looks like the header when the configured one does not split like the records
    below it (a title line above the header, say): the first of the top rows with as many fields
    as most of them. None if the configured header row has that many."""
    counts = [len(record) for record in itertools.islice(split_records(text, sep), HEADER_SEARCH_ROWS)]
    if len(counts) <= header_rows or not any(counts):
        return None
    usual = Counter(c for c in counts if c > 0).most_common(1)[0][0]
    if counts[header_rows - 1] == usual:
        return None
    return counts.index(usual) + 1


def split_hint(text: str, sep: str, header_rows: int, otherwise: str) -> str:
    guess = _header_row_guess(text, sep, header_rows)
    return header_rows_hint(guess) if guess is not None else otherwise


def header_lines(data: bytes, header_rows: int, start: int = 0) -> bytes:
    """The first `header_rows` lines of `data` from `start` (only they are copied)."""
    end = start - 1
    for _ in range(header_rows):
        end = data.find(b"\n", end + 1)
        if end < 0:
            return data[start:]
    return data[start:end]
