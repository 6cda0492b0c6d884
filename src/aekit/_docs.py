"""Shared docstring fragments: one text for a parameter that many functions take.

A docstring names a fragment as ``%(name)s`` on a line of its own; :func:`fill`
(through the :func:`fill_doc` decorator) puts the fragment there, indented as
the placeholder is. The API reference fills the same fragments when it reads the
sources (docs/_ext/sphinx_roles.py), so the site and ``help()`` show one text.
"""

from __future__ import annotations

import re
from typing import TypeVar

F = TypeVar("F")

FRAGMENTS: dict[str, str] = {
    # -- Parameters ------------------------------------------------------------------------------------------------
    "X_rows": """X : array-like of shape (n_samples, n_features)
    Rows (or images) as in ``fit``.""",
    "X_features": """X : array-like of shape (n_samples, n_features) or DataFrame
    Rows with the features seen in ``fit``.""",
    "X_detector": """X : array-like of shape (n_samples, n_features) or DataFrame
    Rows with the features seen in ``fit`` (series for a sequence model).""",
    "X_as_transform": """X : array-like of shape (n_samples, n_features) or DataFrame
    Rows as in :meth:`transform`.""",
    "X_encoder": """X : array-like
    Rows, images or series, as the encoder takes them.""",
    "X_series": """X : array-like of shape (n_series, T, C) or (n_series, T), or list of arrays
    Series: a 3-d array, a 2-d array for one channel, or a list of (T_i, C)
    arrays of different lengths (padded and masked for you).""",
    "lengths": """lengths : array-like of int, shape (n_series,), optional
    Real steps of each row of a zero- or NaN-padded ``X``.""",
    "long_series": """series : array-like of shape (T,) or (T, C)
    One long series.""",
    "y_conditions": """y : array-like of shape (n_samples,)
    Their labels (required: the model is conditioned on them).""",
    "y_ignored": """y : None
    Ignored (scikit-learn convention).""",
    "random_state_draws": """random_state : int or None, default=None
    Seed of the draws (None: the estimator's ``random_state``, or 0).""",
    "n_rows": """n : int, default=1
    How many rows.""",
    "path_out": """path : str or pathlib.Path
    The file to write.""",
    "scores": """scores : array-like of shape (n_samples,)
    Anomaly scores of (mostly) normal data, higher = more anomalous.""",
    "users": """users : sequence of user ids, or pandas.DataFrame
    User ids, or a DataFrame with the ``user_col`` and ``item_col`` columns.""",
    "items": """items : sequence of item ids, optional
    Item ids, as many as ``users`` (not with a DataFrame).""",
    "activation": """activation : str, default="relu"
    Hidden-layer activation (a key of ``aekit.nn.ACTIVATIONS``).""",
    "supervised_stack": """fine_tune : bool, default=True
    False keeps the pretrained layers frozen and trains only the head
    (frozen features).
pretrain : bool, default=True
    False trains the same network from random initialisation (an MLP).
max_epochs, patience : int
    Apply to the supervised phase, with early stopping on the validation
    loss (cross-entropy for a classifier, the mean squared error of the
    standardised targets for a regressor).""",
    "cluster_labels": """y_true : array-like of shape (n_samples,)
    Known classes.
y_pred : array-like of shape (n_samples,)
    Cluster labels (any integers or strings).""",
    "images_and_mask": """images : array of shape (N, H, W), (N, C, H, W) or (N, C*H*W)
    In the units of the training images; NaN marks a missing pixel too.
mask : bool array of the same shape, or None
    True where a pixel is missing (the hole). None: the NaN pixels.""",
    "png_path": """path : str or pathlib.Path
    The PNG to write (its folder is created).""",
    "fig_title": """title : str
    The figure's title.""",
    "decoder_forward": """z : torch.Tensor of shape (batch, latent_dim)
    A batch of codes.""",
    "x_batch": """x : torch.Tensor of shape (batch, input_dim)
    A batch of (scaled) rows.""",
    "validation_loss": """Parameters
----------
x : torch.Tensor or tuple of tensors
    A batch of validation rows, as :meth:`loss` takes it.

Returns
-------
dict of str to torch.Tensor
    As :meth:`loss`.""",
    "z_batch": """z : torch.Tensor of shape (batch, latent_dim)
    A batch of codes.""",
    "model_config": """config : ModelConfig
    The family's config (its ``config_class``), validated on construction.""",
    "model_attributes": """encoder, decoder : torch.nn.Module
    The two networks.
config : ModelConfig
    As given.""",
    "vae_batch": """batch : torch.Tensor or tuple of tensors
    Rows (a conditional variant: rows and their conditions).""",
    "draws_generator": """generator : torch.Generator, optional
    Source of the draws (reproducible numbers).""",
    "series_batch": """x : torch.Tensor of shape (B, T, C)
    Zero-padded series.
lengths : torch.Tensor of shape (B,), optional
    Real steps of each series (None: all T).""",
    "recommender_sizes": """n_users, n_items, n_interactions : int
    The fitted user x item matrix (:class:`aekit.models.recommender.RecommenderConfig`).""",
    "recommender_model": """config : RecommenderConfig
    The family's config, validated on construction.""",
    "recommender_attributes": """interactions : InteractionStore
    The training user x item matrix (stored with the model).""",
    # -- Returns ---------------------------------------------------------------------------------------------------
    "self_fitted": """self
    The fitted estimator.""",
    "returns_self": """Returns
-------
self
    The fitted estimator.""",
    "samples": """numpy.ndarray of shape (n, n_features_in_)
    The samples.""",
    "png_written": """pathlib.Path
    The PNG written.""",
    "file_written": """pathlib.Path
    The file written.""",
    # -- Raises ----------------------------------------------------------------------------------------------------
    "not_fitted": """sklearn.exceptions.NotFittedError
    When ``fit`` has not been called yet.""",
    "bad_rows": """aekit.exceptions.DataError
    A wrong number of features, other columns than in ``fit``, or NaN values.""",
    "bad_data": """aekit.exceptions.DataError
    Empty or non-numeric data, NaN or infinite values, or another number
    of features than in ``fit``.""",
    "bad_as_transform": """aekit.exceptions.DataError
    As for :meth:`transform`.""",
    "bad_series": """aekit.exceptions.DataError
    NaN or inf inside a series, NaN padding without ``lengths``, or another
    channel count than in ``fit``.""",
    "bad_windows": """aekit.exceptions.DataError
    A series shorter than ``window``, NaN or inf values, or another
    channel count than in ``fit``.""",
    "bad_conditions": """aekit.exceptions.DataError
    Labels missing, of another length than the rows, or never seen in
    ``fit``; or rows with another number of features, or NaN.""",
    "bad_vae_rows": """aekit.exceptions.DataError
    A wrong number of features, NaN values, or (Bernoulli likelihood)
    values outside [0, 1] after scaling.""",
    "bad_encoder_input": """aekit.exceptions.DataError
    Data the encoder refuses (another width, NaN values).""",
    "bad_scores": """aekit.exceptions.DataError
    Scores that are not a 1-d array of finite numbers, or empty.""",
    "bad_scorer_input": """aekit.exceptions.DataError
    Rows of another width than in ``fit``, NaN values, or labels of
    another length than the rows.""",
    "bad_users": """aekit.exceptions.DataError
    No users, an unknown user id with no history, or a history with no
    known item.""",
    "bad_cluster_labels": """aekit.exceptions.DataError
    When the two differ in length or are empty.""",
    "bad_n_samples": """ValueError
    ``n_samples`` is not a positive integer.""",
    "bad_n": """ValueError
    ``n`` is not a positive integer.""",
    "bad_param": """ValueError
    From ``fit``: a parameter outside its allowed values.""",
    "diverged": """aekit.exceptions.TrainingDivergedError
    From ``fit``: the loss became NaN or infinite.""",
    "fit_errors": """ValueError
    From ``fit``: a parameter outside its allowed values.
aekit.exceptions.DataError
    From ``fit`` and every method taking data: empty or non-numeric data,
    NaN or infinite values, or another number of features than in ``fit``.
aekit.exceptions.TrainingDivergedError
    From ``fit``: the loss became NaN or infinite.""",
    "fit_errors_images": """ValueError
    From ``fit``: a parameter outside its allowed values.
aekit.exceptions.DataError
    From ``fit`` and every method taking data: empty or non-numeric data,
    NaN or infinite values, or another number of features (or image size) than in ``fit``.
aekit.exceptions.TrainingDivergedError
    From ``fit``: the loss became NaN or infinite.""",
    "bad_activation": """ValueError
    An unknown activation name.""",
    # -- Examples: a small fitted model each (then one line of the method's own) -----------------------------------
    "fit_ae": """>>> from aekit import Autoencoder
>>> from aekit.data import load_dataset
>>> data = load_dataset("digits")
>>> ae = Autoencoder(latent_dim=8, max_epochs=2, random_state=0).fit(data.X_train)""",
    "fit_vae": """>>> from aekit import VAE
>>> from aekit.data import load_dataset
>>> data = load_dataset("digits")
>>> vae = VAE(latent_dim=4, hidden=(32,), max_epochs=2, random_state=0).fit(data.X_train)""",
    "fit_cvae": """>>> from aekit import ConditionalVAE
>>> from aekit.data import load_dataset
>>> data = load_dataset("digits")
>>> cvae = ConditionalVAE(latent_dim=4, hidden=(32,), max_epochs=2,
...                       random_state=0).fit(data.X_train, data.y_train)""",
    "fit_msda": """>>> from aekit import MarginalizedDenoisingAutoencoder
>>> from aekit.data import load_dataset
>>> data = load_dataset("digits")
>>> msda = MarginalizedDenoisingAutoencoder(n_layers=2, noise_level=0.5).fit(data.X_train)""",
    "fit_sae_classifier": """>>> from aekit import StackedAutoencoderClassifier
>>> from aekit.data import load_dataset
>>> data = load_dataset("digits")
>>> clf = StackedAutoencoderClassifier(hidden=(32, 16), pretrain_epochs=1, max_epochs=2,
...                                    random_state=0).fit(data.X_train, data.y_train)""",
    "fit_sequence_ae": """>>> import numpy as np
>>> from aekit import SequenceAutoencoder
>>> t = np.linspace(0, 6.28, 40)
>>> X = np.sin(t[None, :] + np.random.default_rng(0).uniform(0, 3, (64, 1)))
>>> ae = SequenceAutoencoder(encoder="gru", latent_dim=4, hidden=(16,), max_epochs=2,
...                          random_state=0).fit(X)""",
    "fit_sequence_vae": """>>> import numpy as np
>>> from aekit import SequenceVAE
>>> t = np.linspace(0, 6.28, 40)
>>> X = np.sin(t[None, :] + np.random.default_rng(0).uniform(0, 3, (64, 1)))
>>> vae = SequenceVAE(encoder="gru", latent_dim=2, hidden=(16,), max_epochs=2, random_state=0).fit(X)""",
    "fit_clustering": """>>> from sklearn.datasets import load_digits
>>> from aekit import DeepClustering
>>> X = load_digits().data[:300] / 16
>>> dc = DeepClustering(3, encoder_params={"latent_dim": 4, "hidden": (32,), "max_epochs": 3},
...                     random_state=0).fit(X)""",
    "fit_detector": """>>> from sklearn.datasets import load_breast_cancer
>>> from aekit import AnomalyDetector
>>> X, y = load_breast_cancer(return_X_y=True)
>>> det = AnomalyDetector("ae", contamination=0.05, latent_dim=4, hidden=(16,),
...                       max_epochs=5, random_state=0).fit(X[y == 1])""",
    "fit_series_detector": """>>> import numpy as np
>>> from aekit import SeriesAnomalyDetector
>>> series = np.sin(2 * np.pi * np.arange(2000) / 50)
>>> det = SeriesAnomalyDetector(window=50, stride=10, max_epochs=2, random_state=0).fit(series[:1500])""",
    "fit_ease": """>>> import pandas as pd
>>> from aekit import EASE
>>> ratings = pd.DataFrame({"user": [1, 1, 1, 2, 2, 3, 3, 3, 4, 4],
...                         "item": ["a", "b", "c", "a", "b", "b", "c", "d", "a", "d"],
...                         "rating": [5, 4, 4, 5, 4, 4, 5, 4, 4, 5]})
>>> rec = EASE(l2=1.0).fit(ratings)""",
    "fit_autorec": """>>> import pandas as pd
>>> from aekit import AutoRec
>>> ratings = pd.DataFrame({"user": [1, 1, 2, 2, 3, 3, 4], "item": [10, 20, 10, 30, 20, 30, 10],
...                         "rating": [5.0, 3.0, 4.0, 2.0, 3.5, 4.5, 1.0]})
>>> rec = AutoRec(hidden=8, max_epochs=5, validation_fraction=0.0, random_state=0).fit(ratings)""",
    "fit_scorer": """>>> from sklearn.datasets import load_digits
>>> from aekit.evaluation import SampleQualityScorer
>>> X, y = load_digits(return_X_y=True)
>>> scorer = SampleQualityScorer("mlp", hidden=(64,), max_iter=20).fit(X[:1200] / 16, y[:1200])""",
    "fit_codec": """>>> from sklearn.datasets import load_digits
>>> from aekit import ImageCodec
>>> images = load_digits().images / 16          # (1797, 8, 8) in [0, 1]
>>> codec = ImageCodec(filters=8, latent_channels=8, max_epochs=4, random_state=0).fit(images)""",
    "fit_imputer": """>>> import numpy as np
>>> from sklearn.datasets import load_diabetes
>>> from aekit import AutoencoderImputer
>>> X = load_diabetes().data
>>> X[np.random.default_rng(0).random(X.shape) < 0.2] = np.nan    # 20% of the cells missing
>>> imputer = AutoencoderImputer(max_epochs=3, random_state=0).fit(X)""",
    "fit_completer": """>>> import numpy as np
>>> from sklearn.datasets import load_digits
>>> from aekit import ImageCompleter
>>> images = load_digits().images[:200] / 16
>>> completer = ImageCompleter(channels=(8, 16), max_epochs=1, random_state=0).fit(images)""",
    "saved_msda": """>>> import tempfile
>>> from aekit import MarginalizedDenoisingAutoencoder, load
>>> from aekit.data import load_dataset
>>> data = load_dataset("digits")
>>> ae = MarginalizedDenoisingAutoencoder(n_layers=1).fit(data.X_train)   # closed form: instant
>>> path = ae.save(f"{tempfile.mkdtemp()}/msda.safetensors")""",
    "dense_model": """>>> import torch
>>> from aekit.models import AutoencoderConfig, DenseAutoencoder
>>> model = DenseAutoencoder(AutoencoderConfig(input_dim=4, latent_dim=2, hidden=(8,)))""",
    "stack_model": """>>> import torch
>>> from aekit.models import AutoencoderStack, StackedConfig
>>> layers = ({"input_dim": 6, "latent_dim": 4, "hidden": ()}, {"input_dim": 4, "latent_dim": 2, "hidden": ()})
>>> stack = AutoencoderStack(StackedConfig(input_dim=6, layers=layers, task="classify", n_outputs=3))""",
    "msda_model": """>>> import torch
>>> from sklearn.datasets import load_digits
>>> from aekit.models import MSDA, MSDAConfig
>>> X = torch.tensor(load_digits().data[:500] / 16, dtype=torch.float32)
>>> msda = MSDA(MSDAConfig(input_dim=64, n_layers=2)).fit_closed_form(X.numpy())""",
    "vae_model": """>>> import torch
>>> from aekit.models import VAEConfig, VAEModel
>>> vae = VAEModel(VAEConfig(input_dim=4, latent_dim=2, hidden=(8,)))
>>> x = torch.rand(5, 4)                     # Bernoulli likelihood: data in [0, 1]""",
    "seq_model": """>>> import torch
>>> from aekit.models import SequenceAutoencoderConfig, SequenceAutoencoderModel
>>> model = SequenceAutoencoderModel(SequenceAutoencoderConfig(n_channels=2, latent_dim=3, encoder="gru", hidden=(8,)))
>>> x, lengths = torch.randn(4, 10, 2), torch.tensor([10, 7, 10, 3])""",
    "seq_vae_model": """>>> import torch
>>> from aekit.models import SequenceVAEConfig, SequenceVAEModel
>>> vae = SequenceVAEModel(SequenceVAEConfig(n_channels=2, latent_dim=3, encoder="gru", hidden=(8,)))
>>> x, lengths = torch.randn(4, 10, 2), torch.tensor([10, 7, 10, 3])""",
    "aae_model": """>>> import torch
>>> from aekit.models import AdversarialAutoencoderConfig, AdversarialAutoencoderModel
>>> config = AdversarialAutoencoderConfig(input_dim=4, latent_dim=2, hidden=(8,), discriminator_hidden=(8,),
...                                       prior="mixture", n_components=3, n_classes=3)
>>> aae = AdversarialAutoencoderModel(config)""",
    "codec_model": """>>> import torch
>>> from aekit.models import ImageCodecConfig, ImageCodecModel
>>> codec = ImageCodecModel(ImageCodecConfig(input_dim=64, image_shape=(1, 8, 8), filters=4, latent_channels=3,
...                                          entropy_model="hyperprior", hyper_filters=4))
>>> images = torch.rand(2, 1, 8, 8)""",
    "dec_model": """>>> import torch
>>> from aekit.models import DECConfig, DECModel
>>> config = DECConfig(autoencoder_config={"input_dim": 4, "latent_dim": 2, "hidden": [8]}, n_clusters=3)
>>> dec = DECModel(config)""",
    "fit_scaler": """>>> import numpy as np
>>> from aekit.data import Scaler
>>> X = np.array([[0.0, 10.0], [2.0, 30.0]], dtype=np.float32)
>>> scaler = Scaler("standard").fit(X)""",
}

PLACEHOLDER = re.compile(r"^([ \t]*)%\((\w+)\)s[ \t]*$", re.M)


def fill(doc: str) -> str:
    """Put the named fragments into ``doc``, each indented as its placeholder.

    Parameters
    ----------
    doc : str
        A docstring with ``%(name)s`` lines.

    Returns
    -------
    str
        The docstring with every placeholder line replaced by its fragment.

    Raises
    ------
    KeyError
        A placeholder names no fragment.

    Examples
    --------
    >>> FRAGMENTS["demo"] = "x : int\\n    A number."
    >>> print(fill("Parameters\\n----------\\n  %(demo)s"))
    Parameters
    ----------
      x : int
          A number.
    >>> del FRAGMENTS["demo"]
    """

    def put(match: re.Match) -> str:
        indent, name = match.groups()
        if name not in FRAGMENTS:
            raise KeyError(f"docstring fragment %({name})s is not defined; known: {sorted(FRAGMENTS)}")
        return "\n".join(indent + line if line else line for line in FRAGMENTS[name].splitlines())

    return PLACEHOLDER.sub(put, doc)


def fill_doc(obj: F) -> F:
    """Decorator: fill the fragments of a function's docstring, or of a class's and its methods'.

    Parameters
    ----------
    obj : function or class
        What to decorate.

    Returns
    -------
    function or class
        ``obj`` itself, its ``__doc__`` (and its methods' and properties') filled.

    Examples
    --------
    >>> FRAGMENTS["demo"] = "x : int\\n    A number."
    >>> @fill_doc
    ... class C:
    ...     def f(self, x):
    ...         '''Do it.
    ...
    ...         %(demo)s
    ...         '''
    >>> C.f.__doc__.split("\\n")[2:4]
    ['        x : int', '            A number.']
    >>> del FRAGMENTS["demo"]
    """
    if obj.__doc__:
        obj.__doc__ = fill(obj.__doc__)
    if isinstance(obj, type):
        for member in vars(obj).values():
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if isinstance(member, property) or callable(member):
                if isinstance(getattr(member, "__doc__", None), str) and "%(" in member.__doc__:
                    member.__doc__ = fill(member.__doc__)
    return obj
