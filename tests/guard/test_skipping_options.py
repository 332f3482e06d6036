"""Options with which the engine never calls the guard's Delete (``retain_on_delete``, ``deleted_with``:
pkg/resource/deploy/step.go ~661-663, pulumi v3.260) are refused in ``GpuDroplet``'s own options, because
its children would inherit them (``inheritFromParent``, source_eval.go ~2004-2013)."""

from __future__ import annotations

import pulumi
import pytest

from gpuforge import GpuDroplet, GpuDropletArgs
from gpuforge.guard import SkipsTheSnapshot, refuse_options_that_skip_the_snapshot
from tests.program.harness import DROPLET, Recorder


def build_under_mocks(opts: pulumi.ResourceOptions | None) -> Recorder:
    """``GpuDroplet`` built at preview under Pulumi's mocks, with ``opts`` (``deleted_with`` points at a droplet)."""
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="gpuforge", stack="dev", preview=True)

    @pulumi.runtime.test
    def program() -> None:
        options = opts
        if options is not None and options.deleted_with is True:
            other = pulumi.CustomResource(DROPLET, "elsewhere", {"name": "elsewhere"})
            options = pulumi.ResourceOptions(deleted_with=other)
        GpuDroplet("gpu-dev", GpuDropletArgs(name="gpu-dev", region="tor1"), options)

    program()
    return recorder


@pytest.mark.parametrize(
    ("opts", "option"),
    [
        (pulumi.ResourceOptions(retain_on_delete=True), "retain_on_delete"),
        (pulumi.ResourceOptions(deleted_with=True), "deleted_with"),  # replaced by a real resource above
    ],
)
def test_gpu_droplet_refuses_options_that_skip_the_snapshot_in_one_line(opts, option):
    with pytest.raises(SkipsTheSnapshot) as err:
        build_under_mocks(opts)
    text = str(err.value)
    assert option in text and "no snapshot" in text and "\n" not in text
    assert isinstance(err.value, pulumi.RunError), "the language host prints a RunError's message, no traceback"


def test_allowed_options_still_build_a_guarded_droplet():
    recorder = build_under_mocks(pulumi.ResourceOptions(retain_on_delete=False, protect=False))
    assert len(recorder.of_type(DROPLET)) == 1


@pytest.mark.parametrize("opts", [None, pulumi.ResourceOptions(), pulumi.ResourceOptions(retain_on_delete=False)])
def test_options_that_do_not_skip_are_accepted(opts):
    refuse_options_that_skip_the_snapshot(opts)
