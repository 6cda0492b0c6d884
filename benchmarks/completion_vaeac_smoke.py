"""A reduced check of ImageCompleter(model="vaeac") against the masked autoencoder on 8x8 digits.

Fit on the first 1,100 scikit-learn digits, centre 4x4 holes of the next 300 (inside the
1,400 images the unit tests train on; their held-out images 1,400+ are not used here);
15 epochs, batch 32, seed 0, one torch thread. Prints, per model, the masked-pixel MSE of
``complete``, of the mean of 8 ``sample`` draws and of one draw, the draws' spread (mean
standard deviation over the hole) and the training-mean image's MSE. About 15 s on a
2-core shared CPU. Reduced: not the completion protocol of benchmarks/completion.py.

    PYTHONPATH=src python benchmarks/completion_vaeac_smoke.py
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_digits

from aekit import ImageCompleter


def main() -> None:
    torch.set_num_threads(1)
    images = (load_digits().images / 16).astype(np.float32)
    train, held = images[:1100], images[1100:1400]
    hole = np.zeros(held.shape, dtype=bool)
    hole[:, 2:6, 2:6] = True
    mean_image = np.mean((np.broadcast_to(train.mean(0), held.shape) - held)[hole] ** 2)
    print(f"mean image: masked-pixel MSE {mean_image:.4f}")
    for model in ("masked-ae", "vaeac"):
        completer = ImageCompleter(model=model, max_epochs=15, batch_size=32, random_state=0).fit(train)
        filled = completer.complete(held, hole)
        line = f"{model}: complete {np.mean((filled - held)[hole] ** 2):.4f}"
        if model == "vaeac":
            draws = completer.sample(held, hole, n_samples=8)
            line += (f", mean of 8 draws {np.mean((draws.mean(0) - held)[hole] ** 2):.4f}"
                     f", one draw {np.mean((draws[0] - held)[hole] ** 2):.4f}"
                     f", spread {draws.std(0)[hole].mean():.4f}")
        print(line)


if __name__ == "__main__":
    main()
