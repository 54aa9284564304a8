"""Exported cells: a scraped title that looks like a formula stays text; Vietnamese survives CSV."""

from openpyxl import load_workbook

from review.exports import COLUMNS, safe_cell, to_csv, to_xlsx


def _row(title: str) -> dict:
    row = {key: "" for key, _ in COLUMNS}
    row.update(article_id=7, title=title, risk=0.8)
    return row


def test_formulas_stay_text_and_numbers_stay_numbers(tmp_path):
    evil = '=HYPERLINK("http://evil.example","Hải Dương")'
    assert safe_cell(evil) == "'" + evil and safe_cell("Hải Dương") == "Hải Dương" and safe_cell(3) == 3
    path = tmp_path / "x.xlsx"
    path.write_bytes(to_xlsx([_row(evil), _row("-1+2"), _row("Tin thường")], "queue"))
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[1][1] == "'" + evil and rows[2][1] == "'-1+2" and rows[3][1] == "Tin thường"
    assert rows[1][0] == 7 and rows[1][10] == 0.8
    text = to_csv([_row("@SUM(A1)"), _row("Hải Dương")]).decode("utf-8")
    assert text.startswith("\ufeff") and "'@SUM(A1)" in text and "Hải Dương" in text
