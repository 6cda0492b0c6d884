"""Named model settings used by the CLI (``--model``) and ``aekit compare``.

Each name maps to estimator parameters; the caller adds the shared ones
(latent size, epochs, seed). ``pca`` is the linear baseline, not an
autoencoder, and is handled by the comparison code.
"""

from __future__ import annotations

from typing import Any

from aekit.estimators.autoencoder import Autoencoder

PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "ae": ("plain autoencoder", {}),
    "tied": ("autoencoder with tied weights", {"tied": True}),
    "dae": ("denoising autoencoder (30% masking noise)", {"noise": "masking", "noise_level": 0.3}),
    "dae-gaussian": ("denoising autoencoder (Gaussian noise, sigma 0.2)",
                     {"noise": "gaussian", "noise_level": 0.2}),
    "sparse": ("sparse autoencoder (KL, rho 0.1)",
               {"sparsity": "kl", "sparsity_weight": 0.01, "sparsity_target": 0.1}),
    "sparse-l1": ("sparse autoencoder (L1 on codes)", {"sparsity": "l1", "sparsity_weight": 1e-3}),
    "contractive": ("contractive autoencoder", {"contractive_weight": 1e-4}),
}
BASELINES = {"pca": "PCA with the same number of components"}


def model_names() -> list[str]:
    return [*BASELINES, *PRESETS]


def make_estimator(name: str, **shared: Any) -> Autoencoder:
    """Build the estimator for preset ``name`` with the shared parameters."""
    if name not in PRESETS:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(PRESETS)}")
    return Autoencoder(**{**PRESETS[name][1], **shared})
