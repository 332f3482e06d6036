"""The rendered scripts run as cloud-init runs them (setup.sh and its steps), against stub commands:
idempotent on a second run (a droplet restored from a snapshot), bounded retries, markers, no driver
installs, the LocalAI key never on a command line."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable

import pytest
from cloudinit_sandbox import Droplet

from gpuforge.cloudinit import CloudInitOptions, render_user_data

MakeDroplet = Callable[..., Droplet]

KEY = "s3cret-0123456789abcdef0123456789"
OLLAMA_STEPS = ("gpu-check", "install-ollama", "pull-ollama-models")
LOCALAI_STEPS = ("gpu-check", "install-localai", "install-localai-models")

needs_jq = pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (apt-get install jq)")


def ollama_data(**extra: object) -> str:
    return render_user_data(
        CloudInitOptions(
            droplet_name="gpu-dev", install_ollama=True, ollama_models=("llama3.2:3b", "qwen2.5:7b"), **extra
        )
    )  # type: ignore[arg-type]


def localai_data(key: str | None = KEY) -> str:
    return render_user_data(
        CloudInitOptions(
            droplet_name="gpu-dev",
            install_ollama=False,
            install_localai=True,
            localai_models=("phi-2", "localai@bert-embeddings"),
            localai_api_key=key,
        )
    )


def marker(droplet: Droplet, name: str) -> dict[str, object]:
    return json.loads((droplet.root / "var/lib/gpuforge" / name).read_text())


def test_ollama_first_boot_then_second_run_skips_the_work(droplet: MakeDroplet) -> None:
    d = droplet(ollama_data())
    first = d.run(*OLLAMA_STEPS)
    assert first.returncode == 0, first.stderr
    assert [c for c in d.calls_of("curl") if "install.sh" in c] != []
    assert d.calls_of("installer") == ["installer ollama DOCKER_INSTALL="]
    assert d.calls_of("ollama")[-2:] == ["ollama show qwen2.5:7b", "ollama pull qwen2.5:7b"]
    assert "ollama pull llama3.2:3b" in d.calls_of("ollama")
    assert d.calls_of("systemctl") == [
        "systemctl daemon-reload",
        "systemctl enable ollama",
        "systemctl restart --no-block ollama",
    ]
    ready = marker(d, "ready")
    assert ready["status"] == "ready" and ready["droplet"] == "gpu-dev"
    assert ready["steps"] == list(OLLAMA_STEPS)
    assert "NVIDIA H100" in (d.root / "var/log/gpuforge/gpu-check.log").read_text()

    d.forget_calls()
    second = d.run(*OLLAMA_STEPS)
    assert second.returncode == 0, second.stderr
    assert not [c for c in d.calls_of("curl") if "install.sh" in c]
    assert d.calls_of("installer") == []
    assert d.calls_of("ollama") == ["ollama show llama3.2:3b", "ollama show qwen2.5:7b"]
    assert "already present: skipped" in second.stdout
    assert "systemctl restart --no-block ollama" in d.calls_of("systemctl")
    assert marker(d, "ready")["status"] == "ready"


def test_ollama_already_installed_is_not_fetched_and_the_client_talks_loopback(droplet: MakeDroplet) -> None:
    d = droplet(ollama_data(ollama_listen_public=True, ollama_port=11500), installed=("ollama",))
    (d.fake / "ollama-models").write_text("llama3.2:3b\n")
    result = d.run(*OLLAMA_STEPS)
    assert result.returncode == 0, result.stderr
    assert d.calls_of("installer") == [] and not [c for c in d.calls_of("curl") if "install.sh" in c]
    assert [c for c in d.calls_of("ollama") if "pull" in c] == ["ollama pull qwen2.5:7b"]
    assert d.calls_of("curl") == ["curl -fsS -o /dev/null --max-time 5 http://127.0.0.1:11500/api/tags"]


def test_waiting_for_the_api_retries_with_backoff(droplet: MakeDroplet) -> None:
    d = droplet(ollama_data(), installed=("ollama",))
    d.fail("/api/tags", 3)
    result = d.run(*OLLAMA_STEPS)
    assert result.returncode == 0, result.stderr
    assert d.calls_of("sleep") == ["sleep 2", "sleep 4", "sleep 8"]
    assert len(d.calls_of("curl")) == 4


def test_an_api_that_never_answers_fails_after_bounded_tries_with_a_failure_marker(droplet: MakeDroplet) -> None:
    d = droplet(ollama_data(), installed=("ollama",))
    d.fail("/api/tags", 1000)
    result = d.run(*OLLAMA_STEPS)
    assert result.returncode != 0
    assert len(d.calls_of("curl")) == 40
    assert max(int(c.split()[1]) for c in d.calls_of("sleep")) == 30
    assert marker(d, "failed")["steps"] == ["pull-ollama-models"]
    assert not (d.root / "var/lib/gpuforge/ready").exists()
    assert "did not answer" in (d.root / "var/log/gpuforge/pull-ollama-models.log").read_text()


def test_without_the_gpu_tool_nothing_is_installed(droplet: MakeDroplet) -> None:
    d = droplet(ollama_data(gpu_vendor="amd"))
    (d.bin / "rocm-smi").unlink()
    state = d.root / "var/lib/gpuforge"
    state.mkdir(parents=True)
    (state / "ready").write_text('{"status": "ready"}\n')  # left by the snapshotted machine
    result = d.run(*OLLAMA_STEPS)
    assert result.returncode != 0
    assert "rocm-smi not found" in result.stdout and "installs none" in result.stdout
    assert d.calls_of("curl") == [] and d.calls_of("systemctl") == []
    assert marker(d, "failed")["steps"] == ["gpu-check"]
    assert not (state / "ready").exists()


def test_amd_gpu_check_logs_rocm_smi(droplet: MakeDroplet) -> None:
    d = droplet(ollama_data(gpu_vendor="amd"), installed=("ollama",))
    assert d.run("gpu-check").returncode == 0
    assert "AMD Instinct MI300X" in (d.root / "var/log/gpuforge/gpu-check.log").read_text()
    assert marker(d, "ready")["steps"] == ["gpu-check"]


@needs_jq
def test_localai_first_boot_then_second_run_with_the_key_never_in_argv(droplet: MakeDroplet) -> None:
    d = droplet(localai_data())
    (d.fake / "localai-models").write_text("phi-2\n")  # already installed, e.g. by hand
    first = d.run(*LOCALAI_STEPS)
    assert first.returncode == 0, first.stderr
    assert d.calls_of("installer") == ["installer local-ai DOCKER_INSTALL=false"]
    assert d.calls_of("systemctl") == [
        "systemctl daemon-reload",
        "systemctl enable local-ai",
        "systemctl restart --no-block local-ai",
    ]
    applies = [c for c in d.calls_of("curl") if c.endswith("/models/apply")]
    assert len(applies) == 1 and '{"id":"localai@bert-embeddings"}' in applies[0]
    assert all(KEY not in c for c in d.calls_of("curl"))
    stdin = d.calls_of("curl-stdin")
    assert stdin and all(f'header = "Authorization: Bearer {KEY}"' in c for c in stdin)
    assert marker(d, "ready")["steps"] == list(LOCALAI_STEPS)

    d.forget_calls()
    second = d.run(*LOCALAI_STEPS)
    assert second.returncode == 0, second.stderr
    assert d.calls_of("installer") == []
    assert not [c for c in d.calls_of("curl") if "install.sh" in c or "/models/apply" in c]
    assert second.stdout.count("is already installed: skipped") == 2


@needs_jq
def test_localai_without_a_key_sends_no_authorization(droplet: MakeDroplet) -> None:
    d = droplet(localai_data(key=None), installed=("local-ai",))
    result = d.run(*LOCALAI_STEPS)
    assert result.returncode == 0, result.stderr
    assert d.calls_of("installer") == [] and d.calls_of("curl-stdin") == []
    assert len([c for c in d.calls_of("curl") if c.endswith("/models/apply")]) == 2
