"""Numbers that say how good an autoencoder is, computed on plain numpy arrays.

Reconstruction (MSE, MAE, PSNR, SSIM), usefulness of codes (linear and k-NN
probes, silhouette, next to a PCA baseline of the same size), agreement of clusters with classes (ACC, NMI, ARI), anomaly ranking
(AUROC, average precision), quality of generated samples (Fréchet distance
in a classifier's feature space, accuracy of class-conditional samples),
speed, and results tables.
"""

from aekit.evaluation.clustering import cluster_to_class, clustering_accuracy, clustering_metrics
from aekit.evaluation.codes import LinearProbe, code_quality, linear_probe, pca_baseline, probe_accuracy
from aekit.evaluation.generation import SampleQualityScorer, frechet_distance
from aekit.evaluation.metrics import anomaly_metrics, reconstruction_metrics
from aekit.evaluation.tables import format_value, results_table, table_to_markdown
from aekit.evaluation.timing import throughput, timed

__all__ = [
    "cluster_to_class",
    "clustering_accuracy",
    "clustering_metrics",
    "SampleQualityScorer",
    "frechet_distance",
    "anomaly_metrics",
    "code_quality",
    "LinearProbe",
    "linear_probe",
    "format_value",
    "pca_baseline",
    "probe_accuracy",
    "reconstruction_metrics",
    "results_table",
    "table_to_markdown",
    "throughput",
    "timed",
]
