"""House prices, the Kaggle way: preprocessing, log target, k-fold cross-validation, log-RMSE.

Data: the bundled Boston housing set (404 train / 102 test suburbs, 13 features, target MEDV,
the median home value in $1000s).  The recipe is the one used for Kaggle's house-price
competition:

    1. features: numeric columns are standardised, (x - mean) / std, with missing values set to
       the mean, i.e. 0 after standardising (Boston has none, but the code handles them); the
       categorical columns CHAS (on the Charles river, 0/1) and RAD (highway access index, 9
       values) become one-hot columns.  The statistics come from the training split only.
       Feature B is dropped by default (see minigrad/data/bundled/README.md; --keep-b keeps it).
    2. target: log(price), so the squared loss weighs relative errors, and the metric is the
       log-RMSE  sqrt(mean((log y_hat - log y)^2))  -- the Kaggle metric.
    3. model: a linear model or a one-hidden-layer MLP (--model), trained with Adam; the output
       bias starts at the mean log price.
    4. weight decay chosen from a small grid by k-fold cross-validation on the training split;
       then one model is trained on the whole training split and scored once on the test split.

    python examples/house_prices.py [--model mlp|linear] [--folds 5] [--epochs 100]
                                    [--lr 0.01] [--device cuda] [--fast] [--out DIR]

Prints the cross-validated log-RMSE for each weight decay, the test log-RMSE and a final line
``RESULT house_prices ...``; saves ``house_prices_cv.png`` (train and validation log-RMSE
curves of the chosen weight decay) into --out when matplotlib is installed.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
from common import make_parser, output_dir, report, seed_everything

import minigrad
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset, bundled_info, load_bundled
from minigrad.utils import Progress
from minigrad.utils.plot import save_curves

CATEGORICAL = ("CHAS", "RAD")
WEIGHT_DECAYS = (0.0, 1e-3, 1e-2, 1e-1, 1.0)


# ---------------------------------------------------------------------------------------------
# Preprocessing (NumPy, fitted on the training split)
# ---------------------------------------------------------------------------------------------

class Preprocessor:
    """Standardise numeric columns (missing -> mean), one-hot the categorical ones."""

    def __init__(self, feature_names: list[str], drop: tuple[str, ...] = ()):
        self.feature_names = list(feature_names)
        self.drop = drop
        self.numeric = [i for i, name in enumerate(feature_names)
                        if name not in CATEGORICAL and name not in drop]
        self.categorical = [i for i, name in enumerate(feature_names) if name in CATEGORICAL]

    def fit(self, x: np.ndarray) -> Preprocessor:
        numeric = x[:, self.numeric]
        self.mean = np.nanmean(numeric, axis=0)
        self.std = np.nanstd(numeric, axis=0)
        self.std[self.std == 0] = 1.0
        self.categories = [np.unique(x[~np.isnan(x[:, i]), i]) for i in self.categorical]
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        numeric = (x[:, self.numeric] - self.mean) / self.std
        numeric = np.where(np.isnan(numeric), 0.0, numeric)  # missing -> the mean
        columns = [numeric]
        for index, values in zip(self.categorical, self.categories):
            # an unseen (or missing) category gives an all-zero row
            columns.append((x[:, index:index + 1] == values[None, :]).astype(np.float64))
        return np.concatenate(columns, axis=1).astype(np.float32)

    def column_names(self) -> list[str]:
        names = [self.feature_names[i] for i in self.numeric]
        for index, values in zip(self.categorical, self.categories):
            names += [f"{self.feature_names[index]}={value:g}" for value in values]
        return names


# ---------------------------------------------------------------------------------------------
# Model, training, k-fold cross-validation
# ---------------------------------------------------------------------------------------------

def build_model(kind: str, num_inputs: int, mean_log_price: float) -> nn.Module:
    """Linear(num_inputs, 1), or Linear -> ReLU -> Dropout -> Linear(64, 1); the last bias
    starts at the mean log price so training starts from the mean prediction."""
    if kind == "linear":
        model = nn.Sequential(nn.Linear(num_inputs, 1))
    else:
        model = nn.Sequential(nn.Linear(num_inputs, 64), nn.ReLU(), nn.Dropout(0.1),
                              nn.Linear(64, 1))
    nn.init.constant_(model[-1].bias, mean_log_price)
    return model


def log_rmse(model: nn.Module, features: minigrad.Tensor, log_prices: minigrad.Tensor) -> float:
    """sqrt(mean((log y_hat - log y)^2)); the model predicts log prices directly."""
    model.eval()
    with minigrad.no_grad():
        error = model(features).reshape(-1) - log_prices
        value = float((error * error).mean().item())
    model.train()
    return math.sqrt(value)


def train(model: nn.Module, train_set: tuple, valid_set: tuple | None, args) -> dict:
    """Adam on the squared error of log prices; returns per-epoch log-RMSE curves."""
    features, log_prices = train_set
    loader = DataLoader(TensorDataset(features, log_prices), batch_size=args.batch_size,
                        shuffle=True)
    optimizer = optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    loss_fn = nn.MSELoss()
    curves: dict[str, list[float]] = {"train log-RMSE": [], "validation log-RMSE": []}
    for _ in range(args.epochs):
        for x, y in loader:
            loss = loss_fn(model(x).reshape(-1), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        curves["train log-RMSE"].append(log_rmse(model, features, log_prices))
        if valid_set is not None:
            curves["validation log-RMSE"].append(log_rmse(model, *valid_set))
    return curves


def k_fold_splits(n: int, k: int, rng: np.random.Generator) -> list[np.ndarray]:
    """The row indices of k folds of (almost) equal size, after one random permutation."""
    return np.array_split(rng.permutation(n), k)


def cross_validate(x: np.ndarray, log_y: np.ndarray, drop: tuple, args, bar: Progress) -> dict:
    """Mean train and validation log-RMSE over k folds; the preprocessing is fitted on the
    k-1 training folds of each split, so the validation fold is truly unseen."""
    folds = k_fold_splits(len(x), args.folds, np.random.default_rng(args.seed))
    names = bundled_info("boston-housing")["feature_names"]
    train_scores, valid_scores, curves = [], [], None
    for fold in range(args.folds):
        valid_rows = folds[fold]
        train_rows = np.concatenate([folds[j] for j in range(args.folds) if j != fold])
        prep = Preprocessor(names, drop).fit(x[train_rows])
        train_set = (minigrad.tensor(prep.transform(x[train_rows]), device=args.device),
                     minigrad.tensor(log_y[train_rows], device=args.device))
        valid_set = (minigrad.tensor(prep.transform(x[valid_rows]), device=args.device),
                     minigrad.tensor(log_y[valid_rows], device=args.device))
        model = build_model(args.model, train_set[0].shape[1],
                            float(log_y[train_rows].mean())).to(args.device)
        fold_curves = train(model, train_set, valid_set, args)
        train_scores.append(fold_curves["train log-RMSE"][-1])
        valid_scores.append(fold_curves["validation log-RMSE"][-1])
        if curves is None:
            curves = fold_curves
        bar.update(1, valid_log_rmse=valid_scores[-1])
    return {"train": float(np.mean(train_scores)), "valid": float(np.mean(valid_scores)),
            "curves": curves}


def main(argv=None) -> dict:
    parser = make_parser(__doc__.splitlines()[0], epochs=100, batch_size=64, lr=0.01)
    parser.add_argument("--model", choices=("mlp", "linear"), default="mlp")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--keep-b", action="store_true", help="keep feature B (dropped by default)")
    args = parser.parse_args(argv)
    if args.data != "bundled":
        parser.error("house_prices.py uses the bundled Boston housing data only")
    grid = WEIGHT_DECAYS
    if args.fast:
        args.epochs, args.folds, grid = 5, 2, WEIGHT_DECAYS[:2]
    seed_everything(args.seed)
    drop = () if args.keep_b else ("B",)

    (x_train, y_train), (x_test, y_test) = load_bundled("boston-housing")
    log_train, log_test = np.log(y_train).astype(np.float32), np.log(y_test).astype(np.float32)
    print(f"Boston housing: {len(x_train)} train / {len(x_test)} test rows, model {args.model}, "
          f"{args.folds}-fold cross-validation over weight decay {list(grid)}")

    start = time.perf_counter()
    bar = Progress(total=len(grid) * args.folds, desc="cross-validation")
    scores = {}
    for weight_decay in grid:
        args.weight_decay = weight_decay
        scores[weight_decay] = cross_validate(x_train, log_train, drop, args, bar)
        bar.write(f"weight decay {weight_decay:g}: train log-RMSE "
                  f"{scores[weight_decay]['train']:.4f}, validation log-RMSE "
                  f"{scores[weight_decay]['valid']:.4f}")
    bar.close()
    best = min(grid, key=lambda wd: scores[wd]["valid"])
    print(f"best weight decay {best:g} (cross-validated log-RMSE {scores[best]['valid']:.4f})")

    # the final model: all training rows, the chosen weight decay, scored once on the test rows
    seed_everything(args.seed)
    args.weight_decay = best
    prep = Preprocessor(bundled_info("boston-housing")["feature_names"], drop).fit(x_train)
    train_set = (minigrad.tensor(prep.transform(x_train), device=args.device),
                 minigrad.tensor(log_train, device=args.device))
    test_set = (minigrad.tensor(prep.transform(x_test), device=args.device),
                minigrad.tensor(log_test, device=args.device))
    model = build_model(args.model, train_set[0].shape[1], float(log_train.mean()))
    model.to(args.device)
    initial = log_rmse(model, *test_set)
    train(model, train_set, None, args)
    test_score = log_rmse(model, *test_set)
    model.eval()
    with minigrad.no_grad():
        predicted = np.exp(model(test_set[0]).reshape(-1).cpu().numpy())
    rmse = float(np.sqrt(np.mean((predicted - y_test) ** 2)))
    elapsed = time.perf_counter() - start
    print(f"{len(prep.column_names())} input columns after one-hot: "
          f"{', '.join(prep.column_names())}")
    print(f"test log-RMSE {test_score:.4f} (untrained {initial:.4f}), test RMSE "
          f"${rmse * 1000:,.0f} on a mean price of ${y_test.mean() * 1000:,.0f}")

    path = output_dir(args) / "house_prices_cv.png"
    if save_curves(path, scores[best]["curves"], title=f"house prices: fold 1, weight decay "
                   f"{best:g}", ylabel="log-RMSE"):
        print(f"saved {path}")
    result = {"model": args.model, "best_weight_decay": best,
              "cv_log_rmse": scores[best]["valid"], "initial_test_log_rmse": initial,
              "test_log_rmse": test_score, "test_rmse_k": rmse, "seconds": elapsed}
    for weight_decay in grid:
        result[f"cv_log_rmse_wd_{weight_decay:g}"] = scores[weight_decay]["valid"]
    report("house_prices", result)
    return result


if __name__ == "__main__":
    main()
    sys.exit(0)
