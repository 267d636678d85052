"""Read a raw questionnaire export as it comes: CSV, Excel, SPSS or Stata.

Every reader returns a RawTable whose cells are all text (blank = ""), with the row number each
record had in its file, so that later checks can point at the exact cell. Value labels of SPSS and
Stata files are applied here, so a labelled code reaches cleaning as its label.

A cell a reader blanks is never blanked silently: RawTable.cell_reasons says, per column and
reason, which records had it (a field absent from a short CSV record, an Excel error cell, a
formula without a stored value, an SPSS/Stata user-defined missing value), so that cleaning can
count every value set to missing.

The modules: `raw` (read_raw: the reader by suffix, the checks every table gets, sha256_of),
`table` (RawTable and what the readers share), `csv_text` (encoding, delimiter, header row of a
CSV text), `csv_reader` (parsing CSV), `excel` (.xlsx), `labelled` (SPSS and Stata). The names
other stages use are re-exported here, so that they import from `vive_survey.inputs.readers`.
"""

from vive_survey.inputs.readers.csv_reader import CSV_SUFFIXES, read_csv
from vive_survey.inputs.readers.csv_text import DELIMITERS, MOJIBAKE
from vive_survey.inputs.readers.excel import EXCEL_SUFFIXES, read_excel
from vive_survey.inputs.readers.labelled import SPSS_SUFFIXES, STATA_SUFFIXES, read_labelled
from vive_survey.inputs.readers.raw import read_raw, sha256_of
from vive_survey.inputs.readers.table import (EXCEL_ERROR, FORMULA_WITHOUT_VALUE, HEADER_SEARCH_ROWS, SHORT_RECORD,
                                              USER_MISSING, RawTable, header_rows_hint)

__all__ = [
    "CSV_SUFFIXES", "DELIMITERS", "EXCEL_ERROR", "EXCEL_SUFFIXES", "FORMULA_WITHOUT_VALUE", "HEADER_SEARCH_ROWS",
    "MOJIBAKE", "SHORT_RECORD", "SPSS_SUFFIXES", "STATA_SUFFIXES", "USER_MISSING", "RawTable", "header_rows_hint",
    "read_csv", "read_excel", "read_labelled", "read_raw", "sha256_of",
]
