from hypothesis import given
from hypothesis import strategies as st

from gpuforge.timemachine.naming import render_name
from gpuforge.timemachine.retention import RetentionPolicy, SnapshotInfo, is_gpuforge_snapshot, select_for_deletion

TEMPLATE = "gpu-dev-snapshot-[timestamp]"
NOW = 1_790_000_000.0
DAY = 86400.0


def ours(i: int, age_days: float) -> SnapshotInfo:
    created = NOW - age_days * DAY
    return SnapshotInfo(str(i), render_name(TEMPLATE, created), created)


def test_keep_last_deletes_the_oldest():
    snaps = [ours(i, age) for i, age in enumerate([0, 1, 2, 3, 4])]
    doomed = select_for_deletion(snaps, policy=RetentionPolicy(keep_last=2), name_template=TEMPLATE, now=NOW,
                                 just_taken_id="0")
    assert [s.id for s in doomed] == ["4", "3", "2"]


def test_max_age_deletes_the_old_ones_and_either_rule_keeps():
    snaps = [ours(i, age) for i, age in enumerate([0, 1, 10, 20])]
    by_age = select_for_deletion(snaps, policy=RetentionPolicy(max_age_seconds=7 * DAY), name_template=TEMPLATE,
                                 now=NOW, just_taken_id="0")
    assert [s.id for s in by_age] == ["3", "2"]
    both = select_for_deletion(snaps, policy=RetentionPolicy(keep_last=3, max_age_seconds=7 * DAY),
                               name_template=TEMPLATE, now=NOW, just_taken_id="0")
    assert [s.id for s in both] == ["3"]


def test_no_policy_deletes_nothing():
    assert select_for_deletion([ours(1, 100)], policy=RetentionPolicy(), name_template=TEMPLATE, now=NOW,
                               just_taken_id="0") == []


def test_only_this_droplets_gpuforge_snapshots_are_candidates():
    foreign = [
        SnapshotInfo("a", "gpu-dev2-snapshot-20200101-000000", 0.0),
        SnapshotInfo("b", "gpu-dev-snapshot-by-hand", 0.0),
        SnapshotInfo("c", "gpu-dev-snapshot-20200101-000000", 0.0, resource_type="volume"),
    ]
    assert not any(is_gpuforge_snapshot(s, TEMPLATE) for s in foreign)
    assert select_for_deletion(foreign, policy=RetentionPolicy(keep_last=1), name_template=TEMPLATE, now=NOW,
                               just_taken_id="x") == []


names = st.sampled_from(["gpu-dev-snapshot-20240101-000000", "other-snapshot-20240101-000000", "gpu-dev", "x"])
snapshot_lists = st.lists(
    st.builds(SnapshotInfo, id=st.integers(0, 10_000).map(str), name=st.one_of(names, st.builds(
        lambda t: render_name(TEMPLATE, t), st.floats(1e9, NOW))), created_at=st.floats(1e9, NOW),
        resource_type=st.sampled_from(["droplet", "volume"])),
    max_size=25, unique_by=lambda s: s.id)
policies = st.builds(RetentionPolicy, keep_last=st.one_of(st.none(), st.integers(1, 6)),
                     max_age_seconds=st.one_of(st.none(), st.floats(1.0, 1e9)))


@given(snapshot_lists, policies, st.data())
def test_retention_properties(snaps, policy, data):
    just_taken = data.draw(st.sampled_from([s.id for s in snaps] + ["new"]))
    doomed = select_for_deletion(snaps, policy=policy, name_template=TEMPLATE, now=NOW, just_taken_id=just_taken)
    doomed_ids = {s.id for s in doomed}
    assert just_taken not in doomed_ids
    assert all(is_gpuforge_snapshot(s, TEMPLATE) for s in doomed)
    candidates = sorted((s for s in snaps if is_gpuforge_snapshot(s, TEMPLATE)),
                        key=lambda s: (s.created_at, s.id), reverse=True)
    if policy.keep_last is not None:
        assert not doomed_ids & {s.id for s in candidates[: policy.keep_last]}
    if policy.max_age_seconds is not None:
        assert all(NOW - s.created_at >= policy.max_age_seconds for s in doomed)
    if not policy.active:
        assert doomed == []
