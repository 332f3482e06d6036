from hypothesis import given
from hypothesis import strategies as st

from gpuforge.timemachine.naming import render_name
from gpuforge.timemachine.retention import (
    RetentionPolicy,
    SnapshotInfo,
    droplet_in_name,
    is_gpuforge_snapshot,
    select_for_deletion,
    select_for_pruning,
)

TEMPLATE = "gpu-dev-snapshot-[timestamp]"
NOW = 1_790_000_000.0
DAY = 86400.0


def ours(i: int, age_days: float) -> SnapshotInfo:
    created = NOW - age_days * DAY
    return SnapshotInfo(str(i), render_name(TEMPLATE, created), created)


def test_keep_last_deletes_the_oldest():
    snaps = [ours(i, age) for i, age in enumerate([0, 1, 2, 3, 4])]
    doomed = select_for_deletion(
        snaps, policy=RetentionPolicy(keep_last=2), name_template=TEMPLATE, now=NOW, just_taken_id="0"
    )
    assert [s.id for s in doomed] == ["4", "3", "2"]


def test_max_age_deletes_the_old_ones_and_either_rule_keeps():
    snaps = [ours(i, age) for i, age in enumerate([0, 1, 10, 20])]
    by_age = select_for_deletion(
        snaps, policy=RetentionPolicy(max_age_seconds=7 * DAY), name_template=TEMPLATE, now=NOW, just_taken_id="0"
    )
    assert [s.id for s in by_age] == ["3", "2"]
    both = select_for_deletion(
        snaps,
        policy=RetentionPolicy(keep_last=3, max_age_seconds=7 * DAY),
        name_template=TEMPLATE,
        now=NOW,
        just_taken_id="0",
    )
    assert [s.id for s in both] == ["3"]


def test_no_policy_deletes_nothing():
    assert (
        select_for_deletion(
            [ours(1, 100)], policy=RetentionPolicy(), name_template=TEMPLATE, now=NOW, just_taken_id="0"
        )
        == []
    )


def test_only_this_droplets_gpuforge_snapshots_are_candidates():
    foreign = [
        SnapshotInfo("a", "gpu-dev2-snapshot-20200101-000000", 0.0),
        SnapshotInfo("b", "gpu-dev-snapshot-by-hand", 0.0),
        SnapshotInfo("c", "gpu-dev-snapshot-20200101-000000", 0.0, resource_type="volume"),
    ]
    assert not any(is_gpuforge_snapshot(s, TEMPLATE) for s in foreign)
    assert (
        select_for_deletion(
            foreign, policy=RetentionPolicy(keep_last=1), name_template=TEMPLATE, now=NOW, just_taken_id="x"
        )
        == []
    )


names = st.sampled_from(["gpu-dev-snapshot-20240101-000000", "other-snapshot-20240101-000000", "gpu-dev", "x"])
snapshot_lists = st.lists(
    st.builds(
        SnapshotInfo,
        id=st.integers(0, 10_000).map(str),
        name=st.one_of(names, st.builds(lambda t: render_name(TEMPLATE, t), st.floats(1e9, NOW))),
        created_at=st.floats(1e9, NOW),
        resource_type=st.sampled_from(["droplet", "volume"]),
    ),
    max_size=25,
    unique_by=lambda s: s.id,
)
policies = st.builds(
    RetentionPolicy,
    keep_last=st.one_of(st.none(), st.integers(1, 6)),
    max_age_seconds=st.one_of(st.none(), st.floats(1.0, 1e9)),
)


@given(snapshot_lists, policies, st.data())
def test_retention_properties(snaps, policy, data):
    just_taken = data.draw(st.sampled_from([s.id for s in snaps] + ["new"]))
    doomed = select_for_deletion(snaps, policy=policy, name_template=TEMPLATE, now=NOW, just_taken_id=just_taken)
    doomed_ids = {s.id for s in doomed}
    assert just_taken not in doomed_ids
    assert all(is_gpuforge_snapshot(s, TEMPLATE) for s in doomed)
    candidates = sorted(
        (s for s in snaps if is_gpuforge_snapshot(s, TEMPLATE)), key=lambda s: (s.created_at, s.id), reverse=True
    )
    if policy.keep_last is not None:
        assert not doomed_ids & {s.id for s in candidates[: policy.keep_last]}
    if policy.max_age_seconds is not None:
        assert all(NOW - s.created_at >= policy.max_age_seconds for s in doomed)
    if not policy.active:
        assert doomed == []


# --- gpuforge snapshots prune: every droplet at once, within a scope -----------------------------

DROPLETS = ("gpu-dev", "trainer", "notebook")
prune_lists = st.lists(
    st.builds(
        SnapshotInfo,
        id=st.integers(0, 10_000).map(str),
        name=st.tuples(st.sampled_from(DROPLETS), st.floats(1e9, NOW)).map(
            lambda pair: render_name(f"{pair[0]}-snapshot-[timestamp]", pair[1])
        )
        | st.sampled_from(["by-hand", "x"]),
        created_at=st.floats(1e9, NOW),
    ),
    max_size=30,
    unique_by=lambda s: s.id,
)


def droplet_of(snapshot: SnapshotInfo) -> str:
    return droplet_in_name(snapshot.name) or "unknown"


@given(prune_lists, policies, st.sampled_from([None, *DROPLETS]), st.booleans())
def test_prune_properties(snaps, policy, droplet, include_all):
    def in_scope(s: SnapshotInfo) -> bool:
        return (include_all or droplet_in_name(s.name) is not None) and droplet in (None, droplet_of(s))

    doomed = select_for_pruning(snaps, policy=policy, now=NOW, droplet_of=droplet_of, in_scope=in_scope)
    doomed_ids = {s.id for s in doomed}
    assert all(in_scope(s) for s in doomed)  # nothing outside the scope touched
    assert [s.created_at for s in doomed] == sorted(s.created_at for s in doomed)
    for group in {droplet_of(s) for s in snaps}:
        mine = sorted(
            (s for s in snaps if in_scope(s) and droplet_of(s) == group),
            key=lambda s: (s.created_at, s.id),
            reverse=True,
        )
        if policy.keep_last is not None:  # each droplet's newest keep_last always kept
            assert not doomed_ids & {s.id for s in mine[: policy.keep_last]}
    if policy.max_age_seconds is not None:
        assert all(NOW - s.created_at >= policy.max_age_seconds for s in doomed)
    if not policy.active:
        assert doomed == []
    rest = [s for s in snaps if s.id not in doomed_ids]  # a second prune finds nothing more
    assert select_for_pruning(rest, policy=policy, now=NOW, droplet_of=droplet_of, in_scope=in_scope) == []


@given(snapshot_lists, policies)
def test_the_guard_and_prune_agree_on_one_droplets_snapshots(snaps, policy):
    """Without a just-taken snapshot, the guard's retention is prune scoped to the droplet's template."""
    guard = select_for_deletion(snaps, policy=policy, name_template=TEMPLATE, now=NOW, just_taken_id="none")
    pruned = select_for_pruning(
        snaps,
        policy=policy,
        now=NOW,
        droplet_of=lambda s: "gpu-dev",
        in_scope=lambda s: is_gpuforge_snapshot(s, TEMPLATE),
    )
    assert {s.id for s in guard} == {s.id for s in pruned}


def test_droplet_in_automatic_names_only():
    assert droplet_in_name("gpu-dev-snapshot-20240101-000000") == "gpu-dev"
    assert droplet_in_name("a-snapshot-b-snapshot-20240101-000000") == "a-snapshot-b"
    assert droplet_in_name("llama-70b-trained-v1") is None
    assert droplet_in_name("gpu-dev-snapshot-2024010-000000") is None
