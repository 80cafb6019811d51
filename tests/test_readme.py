"""The README's tour must run as written: execute every ```python block, in order."""

import os
import re

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def python_blocks():
    text = open(README, encoding="utf-8").read()
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_readme_has_the_two_commands_first():
    text = open(README, encoding="utf-8").read()
    first_block = re.search(r"```\n(.*?)```", text, flags=re.DOTALL).group(1)
    assert "make demo" in first_block and "make test" in first_block


def test_readme_python_blocks_run(tmp_path, monkeypatch, capsys):
    blocks = python_blocks()
    assert blocks, "the README has no python examples"
    monkeypatch.chdir(tmp_path)
    for number, block in enumerate(blocks):
        block = block.replace("/tmp/ckpt.npz", str(tmp_path / "ckpt.npz"))
        exec(compile(block, f"README.md python block {number}", "exec"), {})
