"""The readers' resource limits (config `limits`): a file too wide or with a field too long stops
before it is parsed in full, with a message naming file, row, column and the setting to raise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import openpyxl
import pyreadstat
import pandas as pd
import pytest

from vive_survey.errors import SurveyInputError
from vive_survey.inputs.readers import read_raw

WIDE = 200_000


def wide_csv(path, columns: int = WIDE, rows: int = 2000):
    """A wide header with short records: the shape that drove cleaning past 14 GB."""
    header = ",".join(f"kolonne_{i}" for i in range(columns))
    path.write_text(header + "\n" + "1,2,3\n" * rows, encoding="utf-8")
    return path


# The child's own peak: VmHWM of /proc/self/status belongs to the process image after exec, where
# getrusage's ru_maxrss keeps the parent's high-water mark across fork and exec (a long pytest run's).
CHILD = """
import json, sys, time
from vive_survey.errors import SurveyInputError
from vive_survey.inputs.readers import read_raw

def peak_mb():
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024

before_mb = peak_mb()
start = time.perf_counter()
try:
    read_raw(sys.argv[1])
    message = None
except SurveyInputError as exc:
    message = str(exc)
print(json.dumps({"message": message, "seconds": time.perf_counter() - start, "before_mb": before_mb,
                  "peak_mb": peak_mb()}))
"""


def test_a_wide_header_stops_before_parsing_quickly_and_in_bounded_memory(tmp_path):
    path = wide_csv(tmp_path / "wide.csv")
    assert path.stat().st_size > 1_500_000
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    wall = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    result = json.loads(done.stdout)
    assert result["message"] == (
        f"{path}, row 1: the header has 200000 columns, more than the limit of 2000 (limits.max_columns)\n"
        "  hint: if the file really has 200000 columns, raise limits.max_columns in the config; otherwise check "
        "the delimiter and the header row of this input")
    grew = result["peak_mb"] - result["before_mb"]
    print(f"wide header: read_raw {result['seconds']:.3f} s, process {wall:.2f} s, peak RSS "
          f"{result['peak_mb']:.0f} MB, of which {grew:.0f} MB during read_raw")
    assert result["seconds"] < 2
    # The peak of the process (the interpreter with pandas and pyarrow imported is most of it), and
    # what reading the file added to it (parsing it would have taken gigabytes).
    assert result["peak_mb"] < 400 and grew < 100


def test_the_column_limit_is_configurable(tmp_path):
    path = wide_csv(tmp_path / "wide.csv", columns=50, rows=3)
    with pytest.raises(SurveyInputError) as info:
        read_raw(path, limits={"max_columns": 10})
    assert str(info.value).startswith(f"{path}, row 1: the header has 50 columns, more than the limit of 10 "
                                      "(limits.max_columns)")
    # At the limit the file is read (a short record is kept, its absent fields flagged).
    table = read_raw(path, limits={"max_columns": 50})
    assert len(table.frame.columns) == 50 and len(table) == 3


def test_quoted_delimiters_are_not_counted_as_columns(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text(";".join(f'"a;{i}"' for i in range(12)) + "\n" + ";".join("1" * 12) + "\n", encoding="utf-8")
    assert len(read_raw(path, limits={"max_columns": 12}).frame.columns) == 12
    with pytest.raises(SurveyInputError, match=r"row 1: the header has 12 columns, more than the limit of 11"):
        read_raw(path, limits={"max_columns": 11})


def test_the_column_limit_applies_to_a_title_row_header_and_cp1252(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(("Eksport fra SurveyXact ø\n" + ";".join(f"k{i}" for i in range(30)) + "\n1;2\n")
                     .encode("cp1252"))
    with pytest.raises(SurveyInputError, match=r"x\.csv, row 2: the header has 30 columns, more than the limit of 20"):
        read_raw(path, header_rows=2, limits={"max_columns": 20})


def test_a_too_long_field_names_file_row_column_and_a_cut_excerpt(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("respondent_id,svar\n1,kort\n2," + "x" * 150_000 + "\n", encoding="utf-8")
    with pytest.raises(SurveyInputError) as info:
        read_raw(path)
    text = str(info.value)
    assert text.startswith(f"{path}, row 3, column 'svar': value '{'x' * 80}…' (150000 characters): the field has "
                           "150000 characters, more than the limit of 100000 (limits.max_field_chars)")
    assert len(text) < 600
    with pytest.raises(SurveyInputError, match=r"row 2, column 'svar': value 'kort': the field has 4 characters, "
                                               r"more than the limit of 3 \(limits\.max_field_chars\)"):
        read_raw(tmp_path / "long.csv", limits={"max_field_chars": 3, "max_columns": 5})


def test_a_long_column_name_is_a_too_long_field(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("respondent_id," + "q" * 500 + "\n1,2\n", encoding="utf-8")
    with pytest.raises(SurveyInputError) as info:
        read_raw(path, limits={"max_field_chars": 100})
    text = str(info.value)
    assert f"{path}, row 1: value '{'q' * 80}…' (500 characters): the field has 500 characters" in text


def test_the_limits_apply_to_excel(tmp_path):
    path = tmp_path / "x.xlsx"
    book = openpyxl.Workbook()
    book.active.append([f"k{i}" for i in range(40)])
    book.active.append([1, 2, "y" * 300])
    book.save(path)
    with pytest.raises(SurveyInputError, match=r"x\.xlsx, row 1: the row has 40 columns, more than the limit of 30 "
                                               r"\(limits\.max_columns\)"):
        read_raw(path, limits={"max_columns": 30})
    with pytest.raises(SurveyInputError, match=r"x\.xlsx, row 2, column 'k2': value 'y+…' \(300 characters\): the "
                                               r"field has 300 characters"):
        read_raw(path, limits={"max_field_chars": 200})


def test_the_column_limit_applies_to_spss(tmp_path):
    path = tmp_path / "x.sav"
    pyreadstat.write_sav(pd.DataFrame({f"k{i}": [1.0] for i in range(25)}), str(path))
    with pytest.raises(SurveyInputError, match=r"x\.sav: the file has 25 columns, more than the limit of 20"):
        read_raw(path, limits={"max_columns": 20})
    assert len(read_raw(path).frame.columns) == 25


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_named_and_can_be_read_with_its_encoding(tmp_path, encoding):
    path = tmp_path / "u.csv"
    path.write_bytes("respondent_id;svar\n1;Altid\n2;Nogle gange\n".encode(encoding))
    with pytest.raises(SurveyInputError) as info:
        read_raw(path)
    assert str(info.value) == (
        f"{path}: the file looks like UTF-16 without a byte-order mark: save it as UTF-8, or set encoding: "
        f"utf-16-le / utf-16-be\n  hint: its NUL bytes suggest {encoding}: set 'encoding: {encoding}' for this input")
    table = read_raw(path, encoding=encoding)
    assert table.frame.to_dict("records") == [{"respondent_id": "1", "svar": "Altid"},
                                              {"respondent_id": "2", "svar": "Nogle gange"}]
    assert table.details["encoding"] == encoding


@pytest.mark.parametrize("kind, message", [
    ("fifo", "this is a named pipe (FIFO), not a regular file"),
    ("device", "this is a device, not a regular file"),
    ("directory", "this is a directory, not a file"),
])
def test_a_special_file_is_named_and_never_opened(tmp_path, kind, message):
    if kind == "fifo":
        path = tmp_path / "export.csv"
        os.mkfifo(path)   # opening it for reading would block the test
    elif kind == "device":
        path = "/dev/zero"  # reading it would never end
    else:
        path = tmp_path / "export.csv"
        path.mkdir()
    with pytest.raises(SurveyInputError) as info:
        read_raw(path)
    assert str(info.value).startswith(f"{path}: {message}")
