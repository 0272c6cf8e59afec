"""Demo data: deterministic, non-empty in every view, importable as an extract."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from custdash.db import check_store, make_engine
from custdash.lists.alliance_unused import unused_entitlement
from custdash.lists.dormant import dormant_list
from custdash.lists.honeymoon import honeymoon_counts
from custdash.lists.threshold import threshold_list
from custdash.queries.alliance import (
    alliance_by_tier,
    alliance_channel_aum,
    alliance_heatmap,
    alliance_segments,
)
from custdash.queries.honeymoon import cohorts, wave_status
from custdash.queries.threshold import threshold_bands
from custdash.queries.tiers import tier_distribution, tier_migration
from seed import DemoSpec, build_demo_store, write_demo_extract
from tests.conftest import DEMO_MONTH_ENDS, ROOT, fresh_store, table_digests

AS_OF = date(2026, 11, 22)
SPEC = DemoSpec(customers=2000, seed=11, as_of=AS_OF)


def _table_digests(db: Path) -> dict[str, str]:
    # Users (salted hashes) and the audit trail are not demo data.
    return table_digests(db, skip=("meta", "app_user", "audit_event", "sqlite_sequence"))


def _folder_digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_demo_extract(a, SPEC)
    write_demo_extract(b, SPEC)
    write_demo_extract(c, DemoSpec(customers=2000, seed=12, as_of=AS_OF))
    da, db_, dc = _folder_digest(a), _folder_digest(b), _folder_digest(c)
    assert da == db_
    assert da["customers.csv"] != dc["customers.csv"] and da["transactions.csv"] != dc["transactions.csv"]


def test_store_is_deterministic(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTDASH_MONTH_END_FACTS", DEMO_MONTH_ENDS)  # as the demo store was built
    again = fresh_store(tmp_path, "again.db")
    build_demo_store(again, SPEC)
    assert _table_digests(again) == _table_digests(demo_db)


def test_csv_extract_imports_to_the_same_store(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTDASH_MONTH_END_FACTS", DEMO_MONTH_ENDS)  # as the demo store was built
    folder = tmp_path / "extract"
    write_demo_extract(folder, SPEC)
    target = fresh_store(tmp_path, "i.db")
    r = subprocess.run(
        [sys.executable, "-m", "custdash", "import", str(folder), "--db", target],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "as of 2026-11-22" in r.stdout
    assert _table_digests(target) == _table_digests(demo_db)


def test_every_view_is_non_empty(demo_db, rules):
    engine = make_engine(str(demo_db))
    info = check_store(engine, str(demo_db))
    assert (info.as_of, info.source, info.customers) == (AS_OF, "demo", 2000)
    kw = {"as_of": AS_OF, "rules": rules}
    with Session(engine) as s:
        tiers = tier_distribution(s, **kw)
        assert (tiers["customers"] > 0).all(), tiers  # every tier populated, V6 included
        assert tiers["customers"].is_monotonic_decreasing  # a pyramid
        moves = tier_migration(s, **kw)
        assert {"up", "down", "same"} <= set(moves["move"])
        assert len(threshold_list(s, **kw)) > 0
        assert threshold_bands(s, **kw)["customers"].sum() > 0
        dormant = dormant_list(s, **kw)
        assert 0.10 <= len(dormant) / 2000 <= 0.20
        assert dormant["never_used"].any() and dormant["zero_balance"].any() and dormant["priority"].any()
        by_tier = alliance_by_tier(s, **kw)
        assert by_tier["peak_redemptions"].sum() > by_tier["off_peak_redemptions"].sum() > 0
        assert (by_tier["free_used"] <= by_tier["entitled"]).all()
        assert len(alliance_heatmap(s, **kw)) > 20
        segs = alliance_segments(s, **kw).set_index("segment")["customers"]
        assert segs["family"] > 0 and segs["film_lover"] > 0
        assert (alliance_channel_aum(s, **kw)["customers"] > 0).all()
        assert len(unused_entitlement(s, **kw)) > 0
        counts = honeymoon_counts(s, **kw)
        assert counts["in_window"] > 0 and counts["due"] > 0 and counts["overdue"] > 0
        grid = wave_status(s, **kw)
        assert {"done", "due", "overdue", "upcoming"} <= set(grid[["wave_1", "wave_2", "wave_3", "wave_4"]].stack())
        co = cohorts(s, **kw)
        assert len(co) == 12 and (co["customers"] > 0).all()
    engine.dispose()


def test_seed_cli_rejects_bad_arguments():
    r = subprocess.run(
        [sys.executable, "-m", "seed", "--customers", "-5"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert r.returncode == 2 and "expected a whole number >= 1, got '-5'" in r.stderr


@pytest.mark.sqlite_only("memory-mapping is SQLite's")
def test_the_generator_writes_its_contact_history_without_mapping_the_store(tmp_path, monkeypatch):
    """The contact history is written after the store is in place, through an engine that reads
    via SQLite's page cache: mapped, every page it read counted as the generator's own memory
    (2.4 GB at a million customers against the 1 GB limit). The app's engine keeps mapping."""
    from sqlalchemy import func, select

    import seed.build
    from custdash.models import ContactLog

    mapped_sizes: list[int] = []
    real = seed.build.make_engine

    def recording(target, **kw):
        engine = real(target, **kw)
        with engine.connect() as conn:
            mapped_sizes.append(conn.exec_driver_sql("PRAGMA mmap_size").scalar())
        return engine

    monkeypatch.setattr(seed.build, "make_engine", recording)
    build_demo_store(str(tmp_path / "d.db"), DemoSpec(customers=200, seed=3, as_of=AS_OF))
    assert mapped_sizes[-1] == 0  # the contact history's engine, the last one the build opens
    with make_engine(str(tmp_path / "d.db")).connect() as conn:  # the app's
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() > 0
        assert conn.execute(select(func.count()).select_from(ContactLog)).scalar() > 0  # it was written


def test_a_customers_products_add_up_within_their_assets(demo_db):
    """Issue #33: an 11,000 time deposit and a 28,300 fund beside a monthly AUM of 3,000-4,000."""
    from tests.conftest import DEMO_AS_OF, fetch

    basis = f"{DEMO_AS_OF.year:04d}-{DEMO_AS_OF.month - 1:02d}"
    rows = fetch(
        demo_db,
        "SELECT p.customer_id, sum(p.amount), count(*), max(coalesce(a.avg_daily_aum, 0)) FROM product p "
        "LEFT JOIN aum_monthly a ON a.customer_id = p.customer_id AND a.month = :m "
        "WHERE p.amount IS NOT NULL GROUP BY p.customer_id",
        m=basis,
    )
    assert len(rows) > 500
    over = [(c, total, aum) for c, total, n, aum in rows if total > max(0.8 * aum + 100 * n, 1000 * n)]
    assert over == []
