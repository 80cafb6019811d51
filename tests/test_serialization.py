"""minigrad.save / minigrad.load: round trips, atomic writes, refusing pickles and damage."""

import io
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad import nn
from minigrad.serialization import CheckpointError, load, save
from tests.harness import devices


def assert_same(a, b):
    """Deep equality with types: Tensors compare dtype, shape and values; ints stay ints."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, minigrad.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.device == b.device
        assert a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.detach().cpu().numpy(), b.detach().cpu().numpy())
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a.keys()) == list(b.keys())
        for key in a:
            assert type(key) is type(next(k for k in b if k == key))
            assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def test_round_trip_of_a_training_checkpoint(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    checkpoint = {
        "model": model.state_dict(),
        "optim": {"state": {0: {"step": 3, "exp_avg": minigrad.randn(4, 3)},
                            1: {"step": 3, "exp_avg": minigrad.zeros(4)}},
                  "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1, 2, 3],
                                    "amsgrad": False, "weight_decay": 0.0, "name": None}]},
        "epoch": 7,
        "history": [1.5, 0.25, float("inf"), float("nan")],
        "labels": minigrad.tensor([1, 2, 3]),
        "mask": minigrad.tensor([True, False]),
        "double": minigrad.randn(2, dtype=minigrad.float64),
        "scalar": minigrad.tensor(2.5),
        "array": np.arange(6, dtype=np.int32).reshape(2, 3),
        "numpy_number": np.float32(0.5),
        (1, "pair"): "tuple key",
        2.5: "float key",
        True: "bool key",
    }
    path = tmp_path / "ckpt.npz"
    save(checkpoint, path)
    loaded = load(path)
    assert_same(checkpoint, loaded)
    assert isinstance(loaded["model"], OrderedDict)
    assert list(loaded["optim"]["state"]) == [0, 1]  # int keys stay ints
    assert isinstance(loaded["optim"]["param_groups"][0]["betas"], tuple)
    assert type(loaded["numpy_number"]) is np.float32


def test_model_output_identical_after_load(tmp_path):
    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3), nn.LogSoftmax(dim=1))
    x = minigrad.randn(4, 5)
    expected = model(x).detach().numpy().copy()
    save(model.state_dict(), tmp_path / "model.npz")
    fresh = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3), nn.LogSoftmax(dim=1))
    fresh.load_state_dict(load(tmp_path / "model.npz"))
    np.testing.assert_array_equal(fresh(x).detach().numpy(), expected)


def test_exact_path_is_used_and_file_objects_work(tmp_path):
    path = tmp_path / "weights.pt"  # no .npz appended
    save({"a": 1}, str(path))
    assert os.listdir(tmp_path) == ["weights.pt"]
    buffer = io.BytesIO()
    save({"w": minigrad.ones(2)}, buffer)
    buffer.seek(0)
    assert_same(load(buffer), {"w": minigrad.ones(2)})


def test_parameters_and_shared_tensors(tmp_path):
    shared = minigrad.ones(3)
    p = nn.Parameter(minigrad.zeros(2))
    save({"a": shared, "b": shared, "p": p}, tmp_path / "c.npz")
    loaded = load(tmp_path / "c.npz")
    assert loaded["a"] is loaded["b"]
    assert isinstance(loaded["p"], nn.Parameter) and loaded["p"].requires_grad
    with zipfile.ZipFile(tmp_path / "c.npz") as archive:
        assert len([n for n in archive.namelist() if n.startswith("t")]) == 2


@pytest.mark.parametrize("device", devices())
def test_map_location(tmp_path, device):
    save({"w": minigrad.ones(2, device=device)}, tmp_path / "d.npz")
    loaded = load(tmp_path / "d.npz", map_location="cpu")
    assert loaded["w"].device.type == "cpu"
    loaded = load(tmp_path / "d.npz", map_location=device)
    assert loaded["w"].device == minigrad.device(device)
    loaded = load(tmp_path / "d.npz", map_location={str(minigrad.device(device)): "cpu"})
    assert loaded["w"].device.type == "cpu"


def test_pickled_files_are_refused(tmp_path):
    # 1. an .npz holding an object array (np.savez pickles it)
    path = tmp_path / "objects.npz"
    np.savez(path, __minigrad__=np.array('{"format": "minigrad-checkpoint", "version": 1, '
                                         '"root": {"ndarray": "t0"}}'),
             t0=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="contains pickled objects"):
        load(path)
    # 2. a plain pickle file
    path = tmp_path / "plain.pkl"
    with open(path, "wb") as file:
        pickle.dump({"a": 1}, file)
    with pytest.raises(CheckpointError, match="never unpickles"):
        load(path)


def test_foreign_and_truncated_files(tmp_path):
    np.savez(tmp_path / "other.npz", x=np.ones(3))
    with pytest.raises(CheckpointError, match="not a minigrad checkpoint"):
        load(tmp_path / "other.npz")
    np.save(tmp_path / "single.npy", np.ones(2))
    with pytest.raises(CheckpointError, match="single .npy array"):
        load(tmp_path / "single.npy")
    save({"w": minigrad.randn(50, 50)}, tmp_path / "good.npz")
    data = (tmp_path / "good.npz").read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 30):
        (tmp_path / "cut.npz").write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match="truncated|damaged|not a minigrad"):
            load(tmp_path / "cut.npz")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(CheckpointError):
        load(tmp_path / "text.npz")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")


def test_wrong_version_and_unsupported_objects(tmp_path):
    np.savez(tmp_path / "v9.npz", __minigrad__=np.array(
        '{"format": "minigrad-checkpoint", "version": 9, "root": null}'))
    with pytest.raises(CheckpointError, match="format version 9"):
        load(tmp_path / "v9.npz")
    with pytest.raises(TypeError, match=r"cannot store an object of type object \(at "
                                        r"obj\['bad'\]\)"):
        save({"bad": object()}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="dict key"):
        save({frozenset(): 1}, tmp_path / "x.npz")
    assert not os.path.exists(tmp_path / "x.npz")


def test_interrupted_save_leaves_the_previous_file_loadable(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"version": 1, "w": minigrad.ones(4)}, path)
    real_savez = np.savez

    def crash_mid_write(file, **arrays):
        real_savez(file, **arrays)
        file.truncate(40)  # half-written
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash_mid_write)
    with pytest.raises(OSError, match="disk full"):
        save({"version": 2, "w": minigrad.zeros(4)}, path)
    monkeypatch.undo()
    loaded = load(path)
    assert loaded["version"] == 1
    np.testing.assert_array_equal(loaded["w"].numpy(), np.ones(4))
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # no temporary file left behind


def test_interrupt_after_write_before_rename_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"version": 1}, path)

    def failing_replace(source, destination):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(KeyboardInterrupt):
        save({"version": 2}, path)
    monkeypatch.undo()
    assert load(path) == {"version": 1}
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_load_never_unpickles(tmp_path, monkeypatch):
    save({"w": minigrad.ones(2), "n": [1, {"k": None}]}, tmp_path / "a.npz")

    def forbidden(*args, **kwargs):
        raise AssertionError("pickle used while loading")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    assert load(tmp_path / "a.npz")["n"] == [1, {"k": None}]


# Nested structures of the supported kinds, with int/str keys and assorted leaves.
_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.text("aZé_", max_size=4),
    st.floats(allow_nan=False, width=64),
    st.lists(st.floats(-5, 5, width=32), max_size=4).map(lambda v: minigrad.tensor(v)),
    st.lists(st.integers(-5, 5), min_size=1, max_size=3).map(lambda v: minigrad.tensor(v)),
)
_structures = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.one_of(st.integers(-3, 3), st.text("ab", max_size=2)), children,
                        max_size=3)),
    max_leaves=6)


@given(obj=_structures)
def test_round_trip_property(obj):
    buffer = io.BytesIO()
    save(obj, buffer)
    buffer.seek(0)
    assert_same(obj, load(buffer))
