"""Generation from a plain (deterministic) autoencoder, the way the tutorials
do it: fit a full-covariance Gaussian to the training codes, draw codes from
it, decode them.

:class:`GaussianCodeSampler` computes the codes' mean and covariance at the
end of ``fit`` from at most ``CODE_MOMENT_ROWS`` training rows drawn at random
(a seeded, uniform sample; block by block for data larger than memory), stores
them in the model file, and gives the estimator ``sample(n, random_state=...)``.
Put it before :class:`~aekit.estimators.base.AutoencoderEstimator`.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from aekit.data.blocks import BlockSource
from aekit.exceptions import DataError
from aekit.memory import check_fits_in_memory
from aekit._docs import fill_doc

# Rows whose codes the Gaussian is fitted on. 10,000 rows estimate a 32-d mean to
# 1% of a code's spread and each covariance entry to about 1.4% (sqrt(2 / n));
# encoding all 60,000 Fashion-MNIST rows instead cost 0.3 s of a 5 s fit.
CODE_MOMENT_ROWS = 10_000


def seed_of(random_state, default: int = 0) -> int:
    """An int seed from None / int / RandomState (None gives ``default``: reproducible)."""
    if random_state is None:
        return default
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    return int(random_state.randint(2**31 - 1))


def check_n_draws(n, values_per_draw: int = 1) -> None:
    """``n`` must be a positive integer whose draws (``values_per_draw`` float32 each, a few
    copies in flight) fit in the memory available now: a DataError says so before the OS
    would kill the process."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise DataError(f"n must be a positive integer, got {n!r}")
    check_fits_in_memory(int(n) * max(int(values_per_draw), 1) * 4 * 4, f"drawing n={n} samples")


def moment_rows(rows, seed: int, limit: int | None = None):
    """Blocks of at most ``limit`` (default ``CODE_MOMENT_ROWS``) rows drawn uniformly
    at random without replacement from ``rows`` (an array or a BlockSource), with a
    generator seeded by ``seed``; all rows when there are no more than that. From a
    BlockSource every block gives its share of the rows (one block read at a time)."""
    limit = CODE_MOMENT_ROWS if limit is None else limit
    blocks = rows if isinstance(rows, BlockSource) else [rows]
    share = min(1.0, limit / max(len(rows), 1))
    rng = np.random.default_rng(seed)
    for block in blocks:
        if share < 1.0:
            block = block[np.sort(rng.choice(len(block), round(len(block) * share), replace=False))]
        yield block


@fill_doc
class GaussianCodeSampler:
    """``sample(n)`` from N(mean, covariance) of the training codes (``code_mean_``, ``code_cov_``,
    fitted on at most ``CODE_MOMENT_ROWS`` of them, see :func:`moment_rows`)."""

    def _fit_scaled(self, data, scaler, n_features, names):
        super()._fit_scaled(data, scaler, n_features, names)
        rows = data[0] if isinstance(data, tuple) else data  # (rows, labels): the rows
        self.code_mean_, self.code_cov_ = self._code_moments(moment_rows(rows, seed_of(self.random_state)))
        return self

    def _code_moments(self, blocks) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance of the codes of scaled row blocks, in one pass (float64 sums)."""
        n, total, outer = 0, 0.0, 0.0
        for block in blocks:
            if not len(block):
                continue
            codes = self._batched(self.model_.encode, np.asarray(block, dtype=np.float32)).astype(np.float64)
            n, total, outer = n + len(codes), total + codes.sum(axis=0), outer + codes.T @ codes
        mean = total / n
        return mean, outer / n - np.outer(mean, mean)

    def sample(self, n: int = 1, random_state=None) -> np.ndarray:
        """New rows decoded from codes drawn from the Gaussian of the training codes.

        The Gaussian (``code_mean_``, ``code_cov_``: full covariance) was fitted
        to the training codes at the end of ``fit``; the draws are decoded and
        returned in the training data's units.

        Parameters
        ----------
        %(n_rows)s
        random_state : int or None, default=None
            Seed of the draws (None: the estimator's ``random_state``, or 0); the
            same seed gives the same samples.

        Returns
        -------
        %(samples)s

        Raises
        ------
        ValueError
            ``n`` is not a positive integer, or the model file predates stored
            code distributions.
        %(not_fitted)s

        Examples
        --------
        >>> from aekit import Autoencoder
        >>> from aekit.data import load_dataset
        >>> data = load_dataset("digits")
        >>> ae = Autoencoder(latent_dim=4, max_epochs=2, random_state=0).fit(data.X_train)
        >>> ae.sample(3, random_state=0).shape
        (3, 64)
        """
        check_is_fitted(self, "model_")
        check_n_draws(n, self.model_.config.input_dim)
        if getattr(self, "code_mean_", None) is None:
            raise ValueError(f"this {type(self).__name__} was saved before aekit stored the code distribution "
                             "in model files, so it cannot sample; fit it again")
        rng = np.random.default_rng(seed_of(random_state, seed_of(self.random_state)))
        codes = rng.multivariate_normal(self.code_mean_, self.code_cov_, size=int(n), method="eigh")
        return self.inverse_transform(codes.astype(np.float32))

    def _fitted_state(self) -> dict[str, Any]:
        mean, cov = getattr(self, "code_mean_", None), getattr(self, "code_cov_", None)
        return {**super()._fitted_state(), "code_mean_": None if mean is None else mean.tolist(),
                "code_cov_": None if cov is None else cov.tolist()}

    def _restore(self, model, scaler, fitted: dict[str, Any]):
        mean, cov = fitted.get("code_mean_"), fitted.get("code_cov_")
        d = model.config.latent_dim
        if mean is None:
            self.code_mean_ = self.code_cov_ = None
        else:
            self.code_mean_, self.code_cov_ = np.asarray(mean, dtype=np.float64), np.asarray(cov, dtype=np.float64)
            if self.code_mean_.shape != (d,) or self.code_cov_.shape != (d, d):
                raise ValueError(f"the stored code distribution has shapes {self.code_mean_.shape} and "
                                 f"{self.code_cov_.shape}, expected ({d},) and ({d}, {d})")
        return super()._restore(model, scaler, fitted)
