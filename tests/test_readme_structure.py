"""The README reads in five minutes: a table of contents that matches its sections, how to get `gpuforge`
on PATH, and a test command whose arguments reach pytest."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def github_anchor(title: str) -> str:
    """The fragment GitHub gives a heading: lowercase, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def test_the_contents_list_every_section_in_order_with_working_links():
    contents = README.split("\n## Contents\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^- \[(.+?)\]\(#(.+?)\)$", contents, re.M)
    sections = [h for h in re.findall(r"^## (.+)$", README, re.M) if h != "Contents"]
    assert [anchor for _, anchor in listed] == [github_anchor(h) for h in sections]
    assert [title for title, _ in listed] == [h.replace("`", "") for h in sections]


def test_ci_run_hands_its_arguments_to_pytest_and_the_readme_says_so():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r'^exec venv/bin/python -m pytest .*"\$@"$', ci, re.M)
    assert "bash .ci/run tests/cli -k take" in README and "its arguments go to pytest" in README


def test_the_readme_says_how_to_get_gpuforge_on_path():
    section = README.split("\n## The gpuforge command\n", 1)[1].split("\n## ", 1)[0]
    assert ". venv/bin/activate" in section and "pipx install ." in section and "venv/bin/gpuforge" in section
