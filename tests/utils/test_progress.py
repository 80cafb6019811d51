"""Progress: plain periodic lines off a terminal, in-place redraws on one, rate/ETA/metrics."""

import io

import pytest

import minigrad
from minigrad.utils import progress as progress_module
from minigrad.utils.progress import Progress


class FakeClock:
    """A controllable time.monotonic."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(progress_module, "_clock", fake)
    return fake


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_non_tty_prints_plain_lines_with_rate_eta_and_running_means(clock):
    out = io.StringIO()
    bar = Progress(total=10, desc="epoch 1", file=out, interval=0)
    for step in range(4):
        clock.now += 0.5  # 2 steps per second
        bar.update(1, loss=float(step), acc=1.0)
    bar.close()
    text = out.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert len(lines) == 4  # one per update; close() adds nothing new
    assert lines[-1] == ("epoch 1  4/10  40% [########............]  2.0 it/s  0:02<0:03  "
                         "loss 1.5  acc 1")


def test_non_tty_prints_at_most_every_interval(clock):
    out = io.StringIO()
    bar = Progress(total=100, file=out, interval=10)
    for _ in range(100):
        clock.now += 1.0
        bar.update()
    bar.close()
    lines = out.getvalue().splitlines()
    # the first update, then one line per 10 s of the 100 s, then the final state at close
    assert [line.split("  ")[0] for line in lines] == [
        "1/100", "11/100", "21/100", "31/100", "41/100", "51/100", "61/100", "71/100",
        "81/100", "91/100", "100/100"]


def test_weighted_running_means(clock):
    bar = Progress(total=3, file=io.StringIO(), interval=1e9)
    bar.update(2, loss=1.0)  # two samples with loss 1
    bar.update(1, loss=4.0)  # one sample with loss 4
    assert bar.metrics == {"loss": 2.0}  # (2 * 1 + 1 * 4) / 3
    bar.log(loss=2.0)  # logging does not advance
    assert bar.count == 3 and bar.metrics["loss"] == pytest.approx(2.0)
    bar.log(n=0, acc=0.5)
    assert "acc" not in bar.metrics  # zero weight: nothing to average yet


def test_accepts_tensor_metrics(clock):
    bar = Progress(total=1, file=io.StringIO())
    bar.update(1, loss=minigrad.tensor(0.25))
    assert bar.metrics == {"loss": 0.25}


def test_iterating_wraps_and_closes(clock):
    out = io.StringIO()
    items = []
    for item in Progress(["a", "b", "c"], desc="data", file=out, interval=0):
        clock.now += 1.0
        items.append(item)
    assert items == ["a", "b", "c"]
    assert out.getvalue().splitlines()[-1].startswith("data  3/3  100% [")


def test_unknown_total(clock):
    out = io.StringIO()
    bar = Progress(iter(range(5)), file=out, interval=0)
    assert bar.total is None
    for _ in bar:
        clock.now += 0.25
    assert out.getvalue().splitlines()[-1] == "5 it  4.0 it/s  0:01"
    with pytest.raises(TypeError, match="the total is unknown"):
        len(bar)


def test_terminal_redraws_in_place(clock):
    out = Terminal()
    bar = Progress(total=3, desc="t", file=out)
    for _ in range(3):
        clock.now += 1.0
        bar.update()
    bar.close()
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")  # one line, ended once at close
    assert text.count("\r") == 3
    assert text.rstrip().split("\r")[-1].startswith("t  3/3  100%")


def test_write_keeps_messages_on_their_own_lines(clock):
    out = io.StringIO()
    bar = Progress(total=2, file=out, interval=0)
    bar.update()
    bar.write("checkpoint saved")
    bar.update()
    assert out.getvalue().splitlines()[1] == "checkpoint saved"


def test_bad_arguments():
    with pytest.raises(ValueError, match="total must be >= 0, got -1"):
        Progress(total=-1)
    with pytest.raises(TypeError, match="nothing to iterate over"):
        iter(Progress(total=3, file=io.StringIO())).__next__()
