"""The rendered user data: valid cloud-config, shellcheck-clean scripts, the right bindings, no
secret unless one is configured, within DigitalOcean's size limit, safe from hostile model names."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gpuforge.cloudinit import USER_DATA_LIMIT_BYTES, CloudInitOptions, render_user_data, shell_scripts
from gpuforge.cloudinit.options import MODEL_NAME
from gpuforge.cloudinit.render import LOCALAI_DROP_IN, OLLAMA_DROP_IN

SCRIPTS_DIR = Path(__file__).parents[2] / "gpuforge/cloudinit/scripts"
KEY = "k3y-0123456789abcdef0123456789abcdef"


def options(
    ollama: bool, localai: bool, public: bool = False, key: bool = False, vendor: str = "nvidia", **extra: object
) -> CloudInitOptions:
    return CloudInitOptions(
        droplet_name="gpu-dev",
        gpu_vendor=vendor,  # type: ignore[arg-type]
        install_ollama=ollama,
        ollama_models=("llama3.2:3b", "hf.co/bartowski/x-GGUF:Q4_K_M"),
        ollama_listen_public=public,
        install_localai=localai,
        localai_models=("phi-2", "localai@bert-embeddings"),
        localai_listen_public=public,
        localai_api_key=KEY if key else None,
        **extra,  # type: ignore[arg-type]
    )


SERVICES = list(itertools.product([False, True], repeat=2))
ALL = [
    options(o, la, p, k, v)
    for (o, la), p, k, v in itertools.product(SERVICES, [False, True], [False, True], ["nvidia", "amd"])
]
# Every service combination, with every other setting both ways (the schema check runs a process).
COVERING = [
    options(o, la, p, k, v) for (o, la) in SERVICES for p, k, v in [(False, False, "nvidia"), (True, True, "amd")]
]


def ident(opts: CloudInitOptions) -> str:
    return (
        f"ollama={opts.install_ollama}-localai={opts.install_localai}-"
        f"public={opts.ollama_listen_public}-key={opts.localai_api_key is not None}-{opts.gpu_vendor}"
    )


def files(text: str) -> dict[str, dict[str, str]]:
    return {f["path"]: f for f in yaml.safe_load(text)["write_files"]}


@pytest.mark.parametrize("opts", COVERING, ids=ident)
def test_cloud_init_schema_accepts_it(opts: CloudInitOptions, cloud_init: str, tmp_path: Path) -> None:
    path = tmp_path / "user-data"
    path.write_text(render_user_data(opts))
    result = subprocess.run(
        [cloud_init, "schema", "--config-file", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valid cloud-config" in result.stdout


def test_scripts_depend_only_on_which_services_are_on() -> None:
    # So shellchecking one rendering per service combination checks every rendering.
    for opts in ALL:
        base = options(opts.install_ollama, opts.install_localai)
        assert shell_scripts(opts) == shell_scripts(base), ident(opts)


@pytest.mark.parametrize("ollama, localai", SERVICES)
def test_every_rendered_script_passes_shellcheck(ollama: bool, localai: bool, shellcheck: str, tmp_path: Path) -> None:
    scripts = shell_scripts(options(ollama, localai))
    for path, text in scripts.items():
        (tmp_path / Path(path).name).write_text(text)
    result = subprocess.run(
        [shellcheck, "-x", *sorted(str(p) for p in tmp_path.iterdir())], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    steps = (
        ["setup", "gpu-check"]
        + ["install-ollama", "pull-ollama-models"] * ollama
        + ["install-localai", "install-localai-models"] * localai
    )
    assert sorted(scripts) == sorted(f"/opt/gpuforge/{s}.sh" for s in ["lib", *steps])


def test_the_packaged_script_files_pass_shellcheck(shellcheck: str) -> None:
    result = subprocess.run(
        [shellcheck, "-x", *sorted(map(str, SCRIPTS_DIR.glob("*.sh")))], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("opts", ALL, ids=ident)
def test_structure(opts: CloudInitOptions) -> None:
    text = render_user_data(opts)
    assert text.startswith("#cloud-config\n")
    doc = yaml.safe_load(text)
    written = files(text)
    steps = doc["runcmd"][0][1:]
    assert doc["runcmd"] == [["/opt/gpuforge/setup.sh", *steps]]
    assert steps[0] == "gpu-check"
    assert doc["package_upgrade"] is False
    env = written["/etc/gpuforge/gpuforge.env"]["content"]
    assert f"GPUFORGE_GPU_VENDOR={opts.gpu_vendor}\n" in env
    host = "0.0.0.0" if opts.ollama_listen_public else "127.0.0.1"
    if opts.install_ollama:
        assert written[OLLAMA_DROP_IN]["content"] == f'[Service]\nEnvironment="OLLAMA_HOST={host}:11434"\n'
        assert written["/etc/gpuforge/ollama-models.txt"]["content"].splitlines() == list(opts.ollama_models)
        assert "zstd" in doc["packages"]
    else:
        assert OLLAMA_DROP_IN not in written and "ollama" not in " ".join(steps)
    if opts.install_localai:
        assert written["/etc/gpuforge/localai.env"]["content"] == (
            f"LOCALAI_ADDRESS={host}:8080\nADDRESS={host}:8080\n"
        )
        assert "EnvironmentFile=/etc/gpuforge/localai-secret.env" in written[LOCALAI_DROP_IN]["content"]
        assert written["/etc/gpuforge/localai-secret.env"]["permissions"] == "0600"
        assert "jq" in doc["packages"]
    else:
        assert LOCALAI_DROP_IN not in written and "localai" not in " ".join(steps)


@pytest.mark.parametrize("opts", ALL, ids=ident)
def test_the_api_key_is_only_in_the_0600_file_and_only_when_set(opts: CloudInitOptions) -> None:
    text = render_user_data(opts)
    if opts.localai_api_key and opts.install_localai:
        holders = [p for p, f in files(text).items() if KEY in f["content"]]
        assert holders == ["/etc/gpuforge/localai-secret.env"]
        assert files(text)[holders[0]]["content"] == f"LOCALAI_API_KEY={KEY}\nAPI_KEY={KEY}\n"
    else:
        assert KEY not in text
        assert not re.search(r"^\s*(LOCALAI_)?API_KEY=\S", text, re.MULTILINE)
        if opts.install_localai:  # written empty: it replaces a key a restored snapshot still holds
            assert files(text)["/etc/gpuforge/localai-secret.env"]["content"] == ""


def test_ports_are_configurable() -> None:
    written = files(render_user_data(options(True, True, ollama_port=11500, localai_port=9090)))
    assert 'OLLAMA_HOST=127.0.0.1:11500"' in written[OLLAMA_DROP_IN]["content"]
    assert "ADDRESS=127.0.0.1:9090" in written["/etc/gpuforge/localai.env"]["content"]
    env = written["/etc/gpuforge/gpuforge.env"]["content"]
    assert "GPUFORGE_OLLAMA_PORT=11500\n" in env and "GPUFORGE_LOCALAI_PORT=9090\n" in env


def test_many_models_stay_under_the_limit() -> None:
    many = tuple(f"hf.co/some-org/model-{i}-GGUF:Q4_K_M" for i in range(300))
    opts = CloudInitOptions(
        droplet_name="gpu-dev",
        install_ollama=True,
        ollama_models=many,
        install_localai=True,
        localai_models=many,
        localai_api_key=KEY,
    )
    size = len(render_user_data(opts).encode())
    assert 20_000 < size <= USER_DATA_LIMIT_BYTES


def test_the_all_on_case_is_small() -> None:
    assert len(render_user_data(options(True, True, key=True)).encode()) < 16 * 1024


def test_over_the_limit_is_a_clear_error() -> None:
    too_many = tuple(f"hf.co/some-org/a-rather-long-model-name-{i}-GGUF:Q4_K_M" for i in range(1500))
    opts = CloudInitOptions(droplet_name="gpu-dev", install_ollama=True, ollama_models=too_many)
    with pytest.raises(ValueError, match=r"'gpu-dev' is \d+ bytes, over DigitalOcean's limit of 65536"):
        render_user_data(opts)


@pytest.mark.parametrize(
    "name", ["x; rm -rf /", "$(reboot)", "`id`", "a b", "a\nb", "", "-rf", "'quoted'", 'a"b', "a\\b", "x" * 201]
)
def test_hostile_model_names_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="ollama_models entry = .* is not valid"):
        CloudInitOptions(droplet_name="gpu-dev", ollama_models=(name,))
    with pytest.raises(ValueError, match="localai_models entry = .* is not valid"):
        CloudInitOptions(droplet_name="gpu-dev", install_localai=True, localai_models=(name,))


# Mostly hostile text, and names of the allowed form, so that both outcomes are exercised.
MODEL_NAMES = st.one_of(st.text(max_size=40), st.from_regex(MODEL_NAME, fullmatch=True))
NO_MODELS = CloudInitOptions(droplet_name="gpu-dev", install_ollama=True, install_localai=True)


@given(st.lists(MODEL_NAMES, max_size=5))
def test_model_names_are_rendered_verbatim_as_data_or_rejected(names: list[str]) -> None:
    try:
        opts = CloudInitOptions(
            droplet_name="gpu-dev",
            install_ollama=True,
            ollama_models=tuple(names),
            install_localai=True,
            localai_models=tuple(names),
        )
    except ValueError as error:
        assert "models entry = " in str(error) and "is not valid" in str(error)
        assert not all(MODEL_NAME.fullmatch(name) for name in names)
        return
    doc = yaml.safe_load(render_user_data(opts))
    written = {f["path"]: f["content"] for f in doc["write_files"]}
    for models_file in ("/etc/gpuforge/ollama-models.txt", "/etc/gpuforge/localai-models.txt"):
        assert written[models_file].splitlines() == names
    # A model name reaches the droplet only as a line of data: scripts and commands are unchanged.
    assert shell_scripts(opts) == shell_scripts(NO_MODELS)
    assert doc["runcmd"] == yaml.safe_load(render_user_data(NO_MODELS))["runcmd"]


@settings(max_examples=30)
@given(st.text(alphabet="abcXYZ019._+/=-", min_size=16, max_size=64))
def test_any_allowed_api_key_renders_exactly(key: str) -> None:
    opts = CloudInitOptions(droplet_name="gpu-dev", install_localai=True, localai_api_key=key)
    secret = files(render_user_data(opts))["/etc/gpuforge/localai-secret.env"]["content"]
    assert secret == f"LOCALAI_API_KEY={key}\nAPI_KEY={key}\n"


@pytest.mark.parametrize("key", ["short", "has space in it 1234", "quote'0123456789abcdef", "x" * 257])
def test_bad_api_keys_are_rejected_without_echoing_them(key: str) -> None:
    with pytest.raises(ValueError, match="localai_api_key is not valid") as error:
        CloudInitOptions(droplet_name="gpu-dev", install_localai=True, localai_api_key=key)
    assert key not in str(error.value)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"droplet_name": "bad name"}, "droplet_name = 'bad name' is not valid"),
        ({"gpu_vendor": "intel"}, "gpu_vendor = 'intel' is not valid: 'nvidia' or 'amd'"),
        ({"install_ollama": "yes"}, "install_ollama = 'yes' is not valid: true or false"),
        ({"ollama_models": "llama3"}, "ollama_models = 'llama3' is not valid: a list of model names"),
        ({"ollama_port": 0}, "ollama_port = 0 is not valid: a port number from 1 to 65535"),
        ({"localai_port": True}, "localai_port = True is not valid"),
        ({"install_localai": True, "localai_port": 11434}, "ollama_port and localai_port are both 11434"),
    ],
)
def test_bad_options_are_clear_errors(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as error:
        CloudInitOptions(**{"droplet_name": "gpu-dev", **fields})  # type: ignore[arg-type]
    assert message in str(error.value)


def test_options_are_frozen_and_lists_become_tuples() -> None:
    opts = CloudInitOptions(droplet_name="gpu-dev", ollama_models=["a", "b"])  # type: ignore[arg-type]
    assert opts.ollama_models == ("a", "b")
    with pytest.raises(AttributeError):
        opts.droplet_name = "other"  # type: ignore[misc]


def test_a_disabled_service_renders_none_of_its_settings() -> None:
    opts = CloudInitOptions(
        droplet_name="gpu-dev",
        install_ollama=False,
        ollama_models=("llama3",),
        install_localai=False,
        localai_models=("phi-2",),
        localai_api_key=KEY,
    )
    text = render_user_data(opts)
    assert "llama3" not in text and "phi-2" not in text and KEY not in text
