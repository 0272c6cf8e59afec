"""The importer's batch path (column-wise conversion) stores exactly what the checked
row-by-row parsers store, and falls back to them whenever it doubts a batch."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from custdash import importer
from custdash.importer import import_extract
from tests.conftest import table_digests


def _rows(db: Path) -> dict[str, str]:
    return table_digests(db)


def test_batches_fall_back_to_the_checked_parsers_with_equal_results(tmp_path, bad, monkeypatch):
    import_extract(bad, str(tmp_path / "batch.db"))

    def doubt(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        raise importer._Bad

    monkeypatch.setattr(importer, "_batch", doubt)
    import_extract(bad, str(tmp_path / "rows.db"))
    assert _rows(tmp_path / "batch.db") == _rows(tmp_path / "rows.db")


def test_padding_separators_and_quoting_do_not_change_what_is_stored(tmp_path, bad):
    """Cells padded with spaces, times with 'T' or ' ', every cell quoted: the same store."""
    import_extract(bad, str(tmp_path / "plain.db"))
    for f in bad.glob("*.csv"):
        with open(f, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        out = [rows[0]]
        for r in rows[1:]:
            cells = []
            for c in r:
                if len(c) == 19 and c[10] in "T ":
                    c = c[:10] + ("T" if c[10] == " " else " ") + c[11:]
                cells.append(f"  {c} " if c else c)
            out.append(cells)
        with open(f, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(out)
    import_extract(bad, str(tmp_path / "padded.db"))
    assert _rows(tmp_path / "padded.db") == _rows(tmp_path / "plain.db")


@pytest.mark.parametrize("batch", [1, 2, 7])
def test_errors_name_the_same_line_whatever_the_batch_size(bad, tmp_path, monkeypatch, batch):
    monkeypatch.setattr(importer, "BATCH", batch)
    text = (bad / "customers.csv").read_text(encoding="utf-8")
    (bad / "customers.csv").write_text(text.replace("2019-06-01", "2019-02-30", 1), encoding="utf-8")
    with pytest.raises(importer.ImportFailed, match=r"^customers.csv, line 3, column opened_on: not a valid date"):
        import_extract(bad, str(tmp_path / "x.db"))
