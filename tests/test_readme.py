"""README's library example runs as written, and its two commands are what CI runs."""
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_library_example_runs(tmp_path, monkeypatch):
    block = re.search(r"```python\n(import kzsearch\n.*?)```", README, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "news.kzs" / "kzsearch-index.json").exists()


def test_ci_runs_the_readme_commands():
    commands = re.findall(r"```sh\n(pip install [^\n]*)\n```", README)
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in commands:
        assert command in ci
    assert os.access(ROOT / ".ci" / "run", os.X_OK)
