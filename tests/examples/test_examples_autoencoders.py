"""Smoke tests of examples/autoencoder.py (every --kind) and examples/vae.py, and checks of their
building blocks against plain NumPy / textbook formulas.

Each example runs in-process as ``main([... '--fast'])`` -- a few batches of the bundled data --
and must bring its test reconstruction error (or negative ELBO) down from the untrained model's,
report ROC-AUCs in [0, 1], and write PNG files that parse back.
"""

from __future__ import annotations

import importlib
import math
import struct
import sys
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

import minigrad
from minigrad.utils import gradcheck
from minigrad.utils.png import read_png

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLES_DIR))


def example(name: str):
    """The module examples/<name>.py."""
    return importlib.import_module(name)


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the IHDR chunk of a PNG file, after checking its signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# ---------------------------------------------------------------------------------------------
# examples/autoencoder.py
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["dense", "conv", "denoising"])
def test_autoencoder_fast_run_learns_and_scores_anomalies(kind, tmp_path):
    result = example("autoencoder").main(["--fast", "--kind", kind, "--out", str(tmp_path)])
    assert result["kind"] == kind
    # the untrained decoder outputs ~0.5 everywhere: MSE ~0.17 on mostly black images
    assert result["test_mse"] < 0.6 * result["initial_test_mse"]
    for key in ("auc_shirt", "auc_bag", "auc_heldout", "auc_mnist"):
        assert 0.0 <= result[key] <= 1.0, (key, result[key])
    if kind == "denoising":
        assert result["noisy_mse"] > 0.05  # noise 0.3 and a quarter of the pixels zeroed
    if kind == "dense":
        # even 30 batches of the dense model separate MNIST digits from clothes (0.89 measured)
        assert result["auc_mnist"] > 0.7
    for picture in ("reconstructions", "anomalies"):
        width, height = png_size(tmp_path / f"autoencoder_{kind}_{picture}.png")
        assert width > 100 and height > 50


def test_autoencoder_models_map_images_to_codes_and_back():
    module = example("autoencoder")
    images = minigrad.rand(3, 1, 28, 28)
    for builder in (module.dense_autoencoder, module.conv_autoencoder):
        model = builder(latent=5)
        assert model.encoder(images).shape == (3, 5)
        output = model.reconstruct(images)
        assert output.shape == (3, 1, 28, 28)
        assert float(output.min().item()) >= 0.0 and float(output.max().item()) <= 1.0


def test_corrupt_masks_the_expected_fraction_and_stays_in_range():
    module = example("autoencoder")
    minigrad.manual_seed(0)
    images = minigrad.full((40, 1, 28, 28), 0.5)
    assert np.array_equal(module.corrupt(images, 0.0, 0.0).numpy(), images.numpy())
    masked = module.corrupt(images, 0.0, 0.25).numpy()
    assert set(np.unique(masked).tolist()) == {0.0, 0.5}
    # 31,360 pixels, each zeroed with probability 1/4: the fraction's std is ~0.0025
    assert abs((masked == 0).mean() - 0.25) < 0.015
    noisy = module.corrupt(images, 2.0, 0.0).numpy()
    assert noisy.min() == 0.0 and noisy.max() == 1.0  # noise of std 2 is clipped both ways


def test_reconstruction_errors_are_per_image_mean_squares():
    module = example("autoencoder")

    class Constant(minigrad.nn.Module):
        """Reconstructs every image as 0.25 everywhere (logit of 0.25 = log(1/3))."""

        def reconstruct(self, images):
            return minigrad.full(images.shape, 0.25)

    rng = np.random.default_rng(1)
    images = rng.random((7, 1, 28, 28)).astype(np.float32)
    errors = module.reconstruction_errors(Constant(), minigrad.tensor(images), batch_size=3)
    expected = [np.mean((images[i] - 0.25) ** 2) for i in range(7)]
    np.testing.assert_allclose(errors, expected, rtol=1e-5)


def test_anomaly_auc_counts_anomalies_scoring_higher():
    module = example("autoencoder")
    # anomalies 0.3 and 0.9 against normals 0.1, 0.3, 0.5: 0.3 beats 0.1, ties 0.3 and loses
    # to 0.5 (1 + 1/2 + 0); 0.9 beats all three (3): (1.5 + 3) / 6 pairs
    auc = module.anomaly_auc(np.array([0.1, 0.3, 0.5]), np.array([0.3, 0.9]))
    assert auc == pytest.approx(4.5 / 6)


def test_interleave_rows_puts_outputs_under_their_inputs():
    module = example("autoencoder")
    inputs = minigrad.arange(4).reshape(4, 1)
    outputs = inputs + 10
    stacked = module.interleave_rows([inputs, outputs], ncols=2).numpy().ravel().tolist()
    assert stacked == [0, 1, 10, 11, 2, 3, 12, 13]


def test_split_by_class_separates_held_out_labels():
    module = example("autoencoder")
    images = minigrad.arange(6).reshape(6, 1).float()
    labels = minigrad.tensor([0, 6, 2, 8, 6, 1])
    dataset = minigrad.data.TensorDataset(images, labels)
    normal, normal_labels, held, held_labels = module.split_by_class(dataset, [6, 8])
    assert normal.numpy().ravel().tolist() == [0, 2, 5]
    assert normal_labels.tolist() == [0, 2, 1]
    assert held.numpy().ravel().tolist() == [1, 3, 4]
    assert held_labels.tolist() == [6, 8, 6]


# ---------------------------------------------------------------------------------------------
# examples/vae.py
# ---------------------------------------------------------------------------------------------

def test_vae_fast_run_lowers_the_negative_elbo(tmp_path):
    result = example("vae").main(["--fast", "--out", str(tmp_path), "--traversal-steps", "5"])
    assert result["test_neg_elbo"] < result["initial_test_neg_elbo"] - 100
    assert result["test_neg_elbo"] == pytest.approx(result["test_reconstruction"]
                                                    + result["test_kl"], rel=1e-5)
    assert result["test_kl"] >= 0.0
    samples = read_png(tmp_path / "vae_samples.png")       # 8 x 8 digits, 2 px apart, x2
    assert samples.shape == (2 * (8 * 30 + 2), 2 * (8 * 30 + 2))
    traversal = read_png(tmp_path / "vae_traversal.png")   # 5 x 5 digits, touching, x2
    assert traversal.shape == (2 * 5 * 28, 2 * 5 * 28)
    assert png_size(tmp_path / "vae_reconstructions.png")[0] > 100


def test_gaussian_kl_matches_the_textbook_formula_and_gradcheck():
    module = example("vae")
    rng = np.random.default_rng(2)
    mean = rng.normal(size=(3, 4))
    log_var = rng.normal(size=(3, 4))
    # KL(N(m, s^2) || N(0, 1)) = log(1 / s) + (s^2 + m^2) / 2 - 1/2 per dimension
    std = np.exp(log_var / 2)
    expected = (np.log(1 / std) + (std ** 2 + mean ** 2) / 2 - 0.5).sum(axis=1)
    kl = module.gaussian_kl(minigrad.tensor(mean), minigrad.tensor(log_var))
    np.testing.assert_allclose(kl.numpy(), expected, rtol=1e-12)
    inputs = (minigrad.tensor(mean, requires_grad=True),
              minigrad.tensor(log_var, requires_grad=True))
    assert gradcheck(module.gaussian_kl, inputs)


def test_reparameterise_samples_the_gaussian_and_passes_gradients():
    module = example("vae")
    minigrad.manual_seed(3)
    mean = minigrad.full((20000, 2), 1.5, dtype=minigrad.float64, requires_grad=True)
    log_var = minigrad.tensor(np.tile([math.log(0.25), math.log(4.0)], (20000, 1)),
                              requires_grad=True)
    z = module.reparameterise(mean, log_var)
    values = z.detach().numpy()
    # 20,000 samples: the standard error of the mean is std / 141, of the std about std / 200
    np.testing.assert_allclose(values.mean(axis=0), [1.5, 1.5], atol=0.05)
    np.testing.assert_allclose(values.std(axis=0), [0.5, 2.0], rtol=0.03)
    z.sum().backward()
    # z = mean + exp(log_var / 2) eps: dz/dmean = 1, dz/dlog_var = (z - mean) / 2
    np.testing.assert_allclose(mean.grad.numpy(), 1.0)
    np.testing.assert_allclose(log_var.grad.numpy(), (values - 1.5) / 2, rtol=1e-9, atol=1e-12)


def test_negative_elbo_is_bce_sum_plus_kl():
    module = example("vae")
    minigrad.manual_seed(4)
    model = module.VAE(latent=3, hidden=(8, 6)).double()
    rng = np.random.default_rng(4)
    images = rng.random((2, 1, 28, 28))
    minigrad.manual_seed(5)
    loss, reconstruction, kl = module.negative_elbo(model, minigrad.tensor(images))
    # the same sample of z again: reseed, and redo the forward pass by hand from its pieces
    minigrad.manual_seed(5)
    with minigrad.no_grad():
        mean, log_var = model.encode(minigrad.tensor(images))
        z = module.reparameterise(mean, log_var)
        logits = model.decode(z).numpy()
    p = 1 / (1 + np.exp(-logits))
    bce = -(images * np.log(p) + (1 - images) * np.log(1 - p)).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(reconstruction.detach().numpy(), bce, rtol=1e-9)
    np.testing.assert_allclose(loss.detach().numpy(), bce + kl.detach().numpy(), rtol=1e-12)


def test_normal_quantiles_invert_the_normal_cdf():
    module = example("vae")
    points = module.normal_quantiles(5, 0.025, 0.975)
    expected = [NormalDist().inv_cdf(p) for p in np.linspace(0.025, 0.975, 5)]
    np.testing.assert_allclose(points, expected, atol=1e-9)
    assert points[2] == pytest.approx(0.0, abs=1e-12)
    assert points[-1] == pytest.approx(1.959964, abs=1e-6)


def test_traversal_varies_the_two_chosen_dimensions_only():
    module = example("vae")
    model = module.VAE(latent=4, hidden=(8, 6))
    seen = []

    def record(z):
        seen.append(z.numpy().copy())
        return minigrad.zeros(len(z), 1, 28, 28)

    model.decode = record
    pictures = module.traversal(model, (3, 1), steps=3, device="cpu")
    assert pictures.shape == (9, 1, 28, 28)
    z = seen[0]
    values = module.normal_quantiles(3)
    assert np.all(z[:, [0, 2]] == 0)
    np.testing.assert_allclose(z[:, 3].reshape(3, 3), np.repeat(values[::-1, None], 3, axis=1),
                               rtol=1e-6)
    np.testing.assert_allclose(z[:, 1].reshape(3, 3), np.repeat(values[None, :], 3, axis=0),
                               rtol=1e-6)


def test_vae_rejects_a_one_dimensional_latent(capsys):
    with pytest.raises(SystemExit):
        example("vae").main(["--fast", "--latent", "1"])
    assert "--latent must be at least 2 for the traversal, got 1" in capsys.readouterr().err
