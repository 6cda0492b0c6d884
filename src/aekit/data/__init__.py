"""Data for aekit: validation, scaling, corruption, loaders and named datasets.

- :func:`check_data` turns user input into a clean float32 matrix, or says in
  one line what is wrong with it.
- :class:`Scaler` and :func:`choose_scaling`: scaling stored with the model.
- :func:`corrupt` / :func:`corrupt_array`: noise for denoising autoencoders.
- :func:`load_table`, :func:`read_image_folder` (class subfolders too),
  :func:`load_image_folder`, :func:`load_any`, :func:`save_table`: the
  user's own files; :class:`DataContract` / :func:`contract_of`: the columns
  a model reads from a table, selected by name in any order.
- :func:`list_datasets`, :func:`load_dataset`: named datasets (bundled, from
  Debian packages, or downloaded with :func:`fetch_file` and pinned hashes).
- :func:`check_series`, :func:`sliding_windows` / :func:`windows_to_steps`,
  :func:`load_series`, :func:`load_series_dataset`, :func:`read_anomaly_series`:
  time series (the bundled ones come with aeon, extra ``aekit[series]``).
"""

from aekit.data.download import default_data_home, fetch_file
from aekit.data.contract import DataContract, contract_of
from aekit.data.loaders import (
    ImageFolder,
    Table,
    list_images,
    load_any,
    load_image_folder,
    load_table,
    read_image_folder,
    save_image_folder,
    save_table,
)
from aekit.data.noise import NOISE_KINDS, check_noise, corrupt, corrupt_array
from aekit.data.registry import DATASET_NAMES, Dataset, DatasetInfo, list_datasets, load_dataset, read_idx
from aekit.data.scaling import SCALING_KINDS, Scaler, choose_scaling
from aekit.data.series import SeriesData, check_series, flagged_segments, load_series, sliding_windows, windows_to_steps
from aekit.data.ucr import LongSeries, SeriesSplit, load_series_dataset, read_anomaly_series
from aekit.data.validation import check_data, feature_names_of

__all__ = [
    "DATASET_NAMES",
    "NOISE_KINDS",
    "SCALING_KINDS",
    "Table",
    "DataContract",
    "Dataset",
    "ImageFolder",
    "DatasetInfo",
    "Scaler",
    "check_data",
    "check_noise",
    "contract_of",
    "choose_scaling",
    "corrupt",
    "corrupt_array",
    "default_data_home",
    "feature_names_of",
    "fetch_file",
    "list_datasets",
    "list_images",
    "load_any",
    "load_dataset",
    "load_image_folder",
    "load_table",
    "read_idx",
    "read_image_folder",
    "save_image_folder",
    "save_table",
    # time series
    "LongSeries",
    "SeriesData",
    "SeriesSplit",
    "check_series",
    "flagged_segments",
    "load_series",
    "load_series_dataset",
    "read_anomaly_series",
    "sliding_windows",
    "windows_to_steps",
]
