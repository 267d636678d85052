"""The reviewer's diff on the bundled wave: every cell's status pinned, every non-match explained,
and the diff page working in a real browser.

The per-cell statuses are pinned in tests/data/bundled_expected_status.csv: a single cell that
changes status fails the test with its key. When a change is intended (an audit check that proves
a cell unattainable, a better reconstruction), rewrite the file with

    python tests/update_expected_status.py

and say in the commit which cells changed and why.
"""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest

from update_expected_status import EXPECTED, bundled_diff_rows, status_frame
from test_report_browser import chromium, dump_dom

NUMERIC_REASON = re.compile(r"regenerated -?[\d.]+ prints .*; published .* needs -?[\d.]+--?[\d.]+$")
# A regression cell: the coefficient and its significance class against the printed ones.
REGRESSION_REASON = re.compile(r"(regenerated (coefficient -?[\d.]+|significance \S+ \(p = [\d.]+\))"
                               r"|published N\.S\., regenerated p = [\d.]+|reference level)")


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    out = tmp_path_factory.mktemp("review")
    diff = bundled_diff_rows(out)
    return {"diff": diff, "page": out / "diff.html"}


def test_every_published_cell_has_the_status_pinned_for_it(review):
    expected = pd.read_csv(EXPECTED, dtype=str, keep_default_na=False)
    got = status_frame(review["diff"])
    assert len(got) == len(expected), f"{len(got)} published cells, {len(expected)} pinned"
    merged = expected.merge(got, on=list(expected.columns[:-1]), how="outer", suffixes=("_pinned", "_now"),
                            indicator=True)
    changed = merged[(merged["_merge"] != "both") | (merged["status_pinned"] != merged["status_now"])]
    lines = [f"Tabel {r.table} {r.section}/{r.row}/{r.subrow}/{r.column}/{r.stat}: pinned {r.status_pinned or '-'}, "
             f"now {r.status_now or '-'}" for r in changed.itertuples()]
    assert not lines, (f"{len(lines)} cell(s) changed status (if intended: python tests/update_expected_status.py):\n"
                       + "\n".join(lines[:40]))


def test_every_cell_that_is_not_a_match_says_why(review):
    diff = review["diff"]
    published = diff[diff["status"] != "extra"]
    unexplained = published[(published["status"] != "match") & (published["reason"].str.strip() == "")]
    assert unexplained.empty, unexplained[["table", "row", "column", "status"]].head(10).to_string()
    mismatches = published[published["status"] == "mismatch"]
    assert len(mismatches) > 0
    for row in mismatches.itertuples():
        # What differs in numbers, after the audit's findings on the cell when there are any.
        pattern = REGRESSION_REASON if row.stat == "coef" else NUMERIC_REASON
        assert pattern.search(row.reason), (row.table, row.row, row.column, row.reason)
        assert row.limit, f"Tabel {row.table} {row.row} / {row.column}: no limit of the reconstruction named"
    unattainable = published[published["status"] == "unattainable"]
    assert (unattainable["reason"].str.len() > 20).all()


def test_a_mismatch_with_an_audit_warning_links_it(review):
    diff = review["diff"]
    linked = diff[(diff["status"] == "mismatch") & (diff["findings"] != "")]
    assert len(linked), "no mismatching cell carries an audit finding"
    for row in linked.itertuples():
        assert row.reason.startswith("audit "), row.reason
        assert row.strength in ("proven", "strong warning", "note")
        assert all(code in row.reason for code in row.findings.split())


PROBE = """<script>
window.addEventListener("load", function () {
  var box = document.querySelector('.status-filter[value="match"]');
  box.checked = false; box.dispatchEvent(new Event("change"));
  var select = document.getElementById("table-filter");
  select.value = "t4-8"; select.dispatchEvent(new Event("change"));
  var sections = Array.prototype.filter.call(document.querySelectorAll("section.table-section"),
    function (s) { return s.style.display !== "none"; }).map(function (s) { return s.id; });
  var matchRows = Array.prototype.filter.call(document.querySelectorAll('table.cells tr[data-status="match"]'),
    function (tr) { return tr.style.display !== "none"; }).length;
  var mismatch = document.querySelector("#t4-8 table.regenerated td.cell.mismatch");
  mismatch.click();
  document.body.setAttribute("data-probe", JSON.stringify({
    sections: sections, visibleMatchRows: matchRows,
    dimmed: document.querySelectorAll("td.cell.dim").length,
    matchCells: document.querySelectorAll('td.cell[data-status="match"]').length,
    why: document.getElementById("why").style.display,
    whyText: document.getElementById("why-text").textContent,
    title: mismatch.getAttribute("title")}));
});
</script>
</body>"""


def test_the_diff_page_filters_and_explains_in_chromium(review, tmp_path):
    chromium()
    page = tmp_path / "diff.html"
    text = review["page"].read_text(encoding="utf-8")
    assert text.count("</body>") == 1
    page.write_text(text.replace("</body>", PROBE), encoding="utf-8")
    dom, console = dump_dom(page, tmp_path / "profile")
    assert not console, "console messages while loading the diff page:\n" + "\n".join(console)
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, "the probe did not run"
    probe = json.loads(html.unescape(found.group(1)))
    assert probe["sections"] == ["t4-8"]                       # the table filter shows one table
    assert probe["visibleMatchRows"] == 0                      # the status filter hides matches
    assert probe["matchCells"] > 0 and probe["dimmed"] == probe["matchCells"]
    assert probe["why"] == "block" and probe["whyText"] == probe["title"]
    assert probe["whyText"].startswith("mismatch: ")
    # The page opens with a summary per table and the twin grids of every table.
    assert 'id="summary-table"' in text and text.count('class="grid published"') == text.count(
        'class="grid regenerated"') > 10
