"""The docstring examples run, and each checks something that could be wrong.

Examples that only compute (no model trained) run with the fast tests; the
ones that train a model are slow. Every module with an example is listed: a
new one that is not fails ``test_every_example_is_run``.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import aekit

FAST = ["aekit.data.noise", "aekit.data.scaling", "aekit.data.series", "aekit.data.tabular",
        "aekit.data.validation", "aekit.detection.thresholds", "aekit.evaluation.metrics",
        "aekit.evaluation.tables", "aekit.data.registry", "aekit.nn.gdn", "aekit.data.loaders", "aekit.files",
        "aekit.io", "aekit.evaluation.clustering", "aekit.data.missing", "aekit.estimators.recommender",
        "aekit.estimators.presets", "aekit.estimators.blocks", "aekit.data.download", "aekit.registry",
        "aekit.evaluation.codes", "aekit.data.ucr",
        "aekit.training.fit", "aekit.exceptions", "aekit.viz.figures",
        "aekit.nn.mlp", "aekit.nn.layers", "aekit.nn.entropy", "aekit._docs",
        "aekit.evaluation.timing", "aekit.viz.report", "aekit.viz.series", "aekit.viz.tables", "aekit.viz.completion_report",
        "aekit.formatting", "aekit.models.vaegan", "aekit.models.base", "aekit.models.autoencoder",
        "aekit.models.conv", "aekit.models.stacked", "aekit.models.msda", "aekit.models.latent", "aekit.models.vae",
        "aekit.models.cvae", "aekit.models.sequence", "aekit.models.autorec", "aekit.models.ease",
        "aekit.models.multvae", "aekit.models.aae", "aekit.models.codec", "aekit.models.dec", "aekit.memory"]
SLOW = ["aekit.estimators.autoencoder", "aekit.estimators.detector", "aekit.estimators.stacked",
        "aekit.estimators.vae", "aekit.estimators.cvae", "aekit.estimators.aae", "aekit.estimators.conv",
        "aekit.estimators.sequence", "aekit.estimators.series_detector", "aekit.evaluation.generation",
        "aekit.estimators.msda", "aekit.estimators.codec", "aekit.data.contract", "aekit.estimators.clustering",
        "aekit.estimators.imputer", "aekit.estimators.image_completer", "aekit.estimators.base",
        "aekit.estimators.sampling", "aekit.estimators.autorec", "aekit.export", "aekit.estimators.images",
        "aekit.estimators.labels", "aekit.estimators.vaegan"]
# examples marked +SKIP only: they need a ratings set (the recommenders' own tests train them)
SKIPPED_ONLY = ["aekit.estimators.ease", "aekit.estimators.multvae", "aekit.data.files"]
FAST += ["aekit.serve.families", "aekit.serve.app"]  # aekit serve (the serve extra)
FAST += ["aekit.cli"]  # the entry point's idle_threads_sleep
FAST += ["aekit.viz.explorer"]  # the reports' interactive code map
FAST += ["aekit.compare", "aekit.training.callbacks"]  # the probe-against-PCA line, the soft epoch budget
FAST += ["aekit.coding"]  # the image codec's stream header
FAST += ["aekit.estimators.sizing"]  # the "auto" hidden widths
FAST += ["aekit.training.devices"]  # the estimators' device settings


def _run(name: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed (see the output above)"


@pytest.mark.parametrize("name", FAST)
def test_examples_without_training(name, tmp_path, monkeypatch):
    _run(name, tmp_path, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW)
def test_examples_that_train(name, tmp_path, monkeypatch):
    _run(name, tmp_path, monkeypatch)


def test_every_example_is_run():
    with_examples = set()
    for info in pkgutil.walk_packages(aekit.__path__, "aekit."):
        spec = importlib.util.find_spec(info.name)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            continue
        with open(spec.origin, encoding="utf-8") as f:
            if ">>> " in f.read():
                with_examples.add(info.name)
    assert with_examples <= set(FAST + SLOW + SKIPPED_ONLY), sorted(with_examples - set(FAST + SLOW + SKIPPED_ONLY))
