"""The importer's batch path (column-wise conversion) stores exactly what the checked
row-by-row parsers store, and falls back to them whenever it doubts a batch."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import pytest

from custdash.importer import ImportFailed, import_extract, worker
from tests.conftest import fresh_store, table_digests


def _rows(db: Path | str) -> dict[str, str]:
    return table_digests(db)


class _Stores(dict):
    """db["name"]: a new store of the run's kind, the same one for the same name."""

    def __init__(self, tmp_path: Path) -> None:
        super().__init__()
        self.tmp_path = tmp_path

    def __missing__(self, name: str) -> str:
        self[name] = fresh_store(self.tmp_path, f"{name}.db")
        return self[name]


@pytest.fixture()
def db(tmp_path: Path) -> _Stores:
    return _Stores(tmp_path)


def test_batches_fall_back_to_the_checked_parsers_with_equal_results(db, bad):
    import_extract(bad, db["batch"])
    import_extract(bad, db["rows"], columnwise=False)
    assert _rows(db["batch"]) == _rows(db["rows"])


def test_padding_separators_and_quoting_do_not_change_what_is_stored(db, bad):
    """Cells padded with spaces, times with 'T' or ' ', every cell quoted: the same store."""
    import_extract(bad, db["plain"])
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
    import_extract(bad, db["padded"])
    assert _rows(db["padded"]) == _rows(db["plain"])


@pytest.mark.parametrize("batch", [1, 2, 7])
def test_errors_name_the_same_line_whatever_the_batch_size(bad, db, batch):
    text = (bad / "customers.csv").read_text(encoding="utf-8")
    (bad / "customers.csv").write_text(text.replace("2019-06-01", "2019-02-30", 1), encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"^customers.csv, line 3, column opened_on: not a valid date"):
        import_extract(bad, db["x"], batch_size=batch)


# --- the reading process (extracts from PARALLEL_FROM_BYTES on) ----------------------


def test_reading_in_a_second_process_stores_exactly_the_same(tmp_path, db):
    from seed import DemoSpec, write_demo_extract
    from tests.conftest import DEMO_AS_OF

    extract = tmp_path / "extract"
    write_demo_extract(extract, DemoSpec(customers=3_000, seed=5, as_of=DEMO_AS_OF))
    here = import_extract(extract, db["here"], reader="inline")
    there = import_extract(extract, db["there"], reader="process")
    assert (here.reader, there.reader) == ("inline", "process")
    # "auto" reads a small extract here: a second process pays off from PARALLEL_FROM_BYTES on.
    assert import_extract(extract, db["auto"]).reader == "inline"
    assert (there.as_of, there.rows) == (here.as_of, here.rows)
    assert _rows(db["there"]) == _rows(db["here"])


@pytest.mark.parametrize("before_request", [False, True], ids=["any time", "before the request is sent"])
def test_a_reading_process_that_dies_is_reported(tmp_path, db, bad, monkeypatch, before_request):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    if before_request:  # writing the request to a dead process's pipe: a broken pipe, not a crash
        monkeypatch.setattr(worker, "widen_pipe", lambda fd: time.sleep(0.5))
    with pytest.raises(ImportFailed, match=r"the reading process stopped \(exit code 3\)$"):
        import_extract(bad, db["x"], reader="process")


def test_an_unguarded_calling_script_runs_once(tmp_path, bad):
    """multiprocessing's spawn would import the caller's main module again in the child."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    runs = tmp_path / "runs.txt"
    script = tmp_path / "load.py"
    script.write_text(
        "from custdash import importer\n"
        f"open({str(runs)!r}, 'a').write('ran\\n')\n"
        f"importer.import_extract({str(bad)!r}, {str(tmp_path / 'x.db')!r}, reader='process')\n"
    )
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=ROOT.parent)
    assert r.returncode == 0, r.stderr
    assert runs.read_text() == "ran\n"
