import pytest

from gpuforge.costs import (
    DEFAULT_SNAPSHOT_RATE,
    DropletCosts,
    costs_by_droplet,
    snapshot_monthly,
    total,
)


def test_snapshot_storage_at_six_cents_per_gb_month_or_the_given_rate():
    assert DEFAULT_SNAPSHOT_RATE == 0.06
    assert snapshot_monthly(25) == pytest.approx(1.5)
    assert snapshot_monthly(200, rate=0.05) == pytest.approx(10.0)


def test_costs_grouped_per_droplet_costliest_first_beside_running_cost():
    rows = costs_by_droplet([("a", 10.0), ("b", 100.0), ("a", 15.0)], rate=0.06, running={"a": 2278.08})
    assert [r.droplet for r in rows] == ["b", "a"]
    b, a = rows
    assert (a.snapshots, a.gigabytes, a.running_monthly) == (2, 25.0, 2278.08)
    assert a.snapshot_monthly == pytest.approx(1.5)
    assert b.running_monthly is None  # unknown size: unknown price


def test_total_sums_rows_and_only_known_running_costs():
    rows = [DropletCosts("a", 2, 25.0, 1.5, 100.0), DropletCosts("b", 1, 5.0, 0.3, None)]
    whole = total(rows)
    assert (whole.snapshots, whole.gigabytes, whole.running_monthly) == (3, 30.0, 100.0)
    assert whole.snapshot_monthly == pytest.approx(1.8)
    assert total([DropletCosts("b", 1, 5.0, 0.3, None)]).running_monthly is None
    assert total([]) == DropletCosts("total", 0, 0, 0, None)
