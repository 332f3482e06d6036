"""A sandbox that runs the rendered scripts as cloud-init would, against stub commands
(nvidia-smi, rocm-smi, systemctl, sleep, curl, ollama, local-ai) that log their calls."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

# Stand-ins for the commands the scripts call on a droplet. Each logs "NAME ARGS" to $CALLS.
# Installed models live in $FAKE/ollama-models and $FAKE/localai-models, one per line.
STUBS = {
    "nvidia-smi": 'echo "NVIDIA H100 80GB HBM3"',
    "rocm-smi": 'echo "AMD Instinct MI300X"',
    "systemctl": "",
    "sleep": "",
    "ollama": """
case $1 in
    show) grep -qxF -- "$2" "$FAKE/ollama-models" 2>/dev/null ;;
    pull) echo "$2" >>"$FAKE/ollama-models" ;;
    *) exit 2 ;;
esac""",
}

CURL = r"""#!PYTHON
# A stub curl: logs its argv (and its stdin when given -K -); answers like the installer download
# URLs, Ollama and LocalAI; fails a URL while $FAKE/fail-SUFFIX (SUFFIX with / as _) counts down.
import json, os, sys
from pathlib import Path

args = sys.argv[1:]
fake = Path(os.environ["FAKE"])
with open(os.environ["CALLS"], "a") as log:
    log.write("curl " + " ".join(args) + "\n")
    if "-K" in args:
        log.write("curl-stdin " + sys.stdin.read().replace("\n", " ") + "\n")
url = args[-1]
for counter in fake.glob("fail-*"):
    left = int(counter.read_text())
    if left > 0 and url.endswith(counter.name[len("fail-"):].replace("_", "/")):
        counter.write_text(str(left - 1))
        sys.exit(7)
if url.endswith("/install.sh"):
    tool = "ollama" if "ollama.com" in url else "local-ai"
    installer = f'echo "installer {tool} DOCKER_INSTALL=${{DOCKER_INSTALL:-}}" >>"$CALLS"\n'
    installer += f'cp "$FAKE/{tool}" "$STUB_BIN/{tool}"\n'
    Path(args[args.index("-o") + 1]).write_text(installer)
elif url.endswith("/v1/models"):
    models = fake / "localai-models"
    names = models.read_text().split() if models.exists() else []
    print(json.dumps({"data": [{"id": name.split("@")[-1]} for name in names]}))
elif url.endswith("/models/apply"):
    model = json.loads(args[args.index("-d") + 1])["id"]
    with open(fake / "localai-models", "a") as f:
        f.write(model + "\n")
    print(json.dumps({"uuid": "job-1", "status": "/models/jobs/job-1"}))
elif "/models/jobs/" in url:
    print(json.dumps({"processed": True, "error": None, "message": "completed"}))
"""


def _write_exe(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


@dataclass
class Droplet:
    """The rendered user data's files laid out under ``root``, with stubs on PATH."""

    root: Path
    bin: Path
    env: dict[str, str]
    calls: Path
    fake: Path

    def run(self, *steps: str) -> subprocess.CompletedProcess[str]:
        """Run the user data's runcmd (setup.sh with its steps) as cloud-init would."""
        return subprocess.run(
            [str(self.root / "opt/gpuforge/setup.sh"), *steps],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def calls_of(self, command: str) -> list[str]:
        lines = self.calls.read_text().splitlines() if self.calls.exists() else []
        return [line for line in lines if line.split(" ", 1)[0] == command]

    def forget_calls(self) -> None:
        self.calls.unlink(missing_ok=True)

    def fail(self, url_suffix: str, times: int) -> None:
        """Make the stub curl fail ``times`` times for URLs ending in ``url_suffix``."""
        (self.fake / f"fail-{url_suffix.replace('/', '_')}").write_text(str(times))


def make_droplet(tmp_path: Path, user_data: str, installed: tuple[str, ...] = ()) -> Droplet:
    """Lay out ``user_data``'s files under tmp_path/root, with stubs (and ``installed`` tools) on PATH."""
    root, bin_dir, fake = tmp_path / "root", tmp_path / "bin", tmp_path / "fake"
    for d in (root, bin_dir, fake):
        d.mkdir()
    for entry in yaml.safe_load(user_data)["write_files"]:
        target = root / entry["path"].lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(entry["content"])
        target.chmod(int(entry["permissions"], 8))
    for name, body in STUBS.items():
        _write_exe(
            (fake if name == "ollama" else bin_dir) / name, f'#!/bin/bash\necho "{name} $*" >>"$CALLS"\n{body}\n'
        )
    # The "installed" LocalAI binary: the fake one answers nothing, the API stub does the work.
    _write_exe(fake / "local-ai", '#!/bin/bash\necho "local-ai $*" >>"$CALLS"\n')
    _write_exe(bin_dir / "curl", CURL.replace("PYTHON", sys.executable, 1))
    for tool in installed:
        shutil.copy(fake / tool, bin_dir / tool)
    calls = tmp_path / "calls.log"
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CALLS": str(calls),
        "FAKE": str(fake),
        "STUB_BIN": str(bin_dir),
        "GPUFORGE_ETC": str(root / "etc/gpuforge"),
        "GPUFORGE_STATE_DIR": str(root / "var/lib/gpuforge"),
        "GPUFORGE_LOG_DIR": str(root / "var/log/gpuforge"),
    }
    return Droplet(root, bin_dir, env, calls, fake)
