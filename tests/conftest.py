"""Shared fixtures: small real datasets, loaded once per session."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split

# One thread: on a shared, oversubscribed machine two threads make small conv models
# 10x slower (OpenMP barriers wait on descheduled threads); tests use small models.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 8x8 digits in [0, 1]: (X_train, X_test, y_train, y_test)."""
    data = load_digits()
    X = (data.data / 16.0).astype(np.float32)
    return train_test_split(X, data.target, test_size=0.25, random_state=0, stratify=data.target)


@pytest.fixture(scope="session")
def digit_images():
    """scikit-learn's 8x8 digits as images in [0, 1]: the first 1,400 (to fit) and the other 397."""
    images = (load_digits().images / 16).astype(np.float32)
    return images[:1400], images[1400:]


@pytest.fixture(scope="session")
def cancer():
    """Breast cancer table (raw units): (X_train, X_test, y_train, y_test)."""
    data = load_breast_cancer()
    X = data.data.astype(np.float32)
    return train_test_split(X, data.target, test_size=0.25, random_state=0, stratify=data.target)


@pytest.fixture(scope="session")
def chromium():
    """Skip without headless Chromium, or fail where CI requires it (AEKIT_REQUIRE_BROWSER=1)."""
    from aekit.viz import browser

    if browser.chromium_path() is None:
        reason = "headless Chromium not found (apt install chromium)"
        if os.environ.get("AEKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"AEKIT_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
