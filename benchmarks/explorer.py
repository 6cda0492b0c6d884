"""Size and drawing time of the reports' interactive code map (aekit.viz.explorer).

Target (issue 23): a report whose code map has 5,000 points stays under 10 MB, and
the map handles them smoothly (a redraw well under one 60 Hz frame, 16 ms).

For each case, the codes of 5,000 image rows are mapped in 2-D (PCA: the
explorer's largest case, 5,000 points; t-SNE and UMAP maps take 2,000) and
written as a report with only the code map, through the same
``code_map_figure`` the compare / evaluate / detect / cluster reports use:

- ``mnist-5k``: all 5,000 digits (28 x 28), one map (PCA with 16 components);
- ``mnist-5k, 6 maps``: the same rows with six maps (PCA with 2, 4, ..., 32
  components: a compare report of six models), each with its own errors;
- ``fashion-mnist``: 5,000 of the 10,000 test images (28 x 28, less
  compressible than digits), if the Debian package dataset-fashion-mnist
  is installed.

The size does not depend on which model made the codes (PCA stands in for an
autoencoder here: the payload is the same points, errors and thumbnails).
Then each report is opened in headless Chromium (when installed): console
errors, points drawn, the tooltip after a hover, and the mean of 10 redraws.

    python benchmarks/explorer.py          # the full protocol (seed 0); about a minute

Writes benchmarks/results/explorer.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from aekit.data import load_dataset
from aekit.evaluation import table_to_markdown
from aekit.exceptions import DataError
from aekit.viz import browser, write_report
from aekit.viz.explorer import MAX_POINTS, code_map_figure, script

RESULTS = Path(__file__).parent / "results" / "explorer.json"
LIMIT_BYTES = 10_000_000


def image_rows(name: str, seed: int):
    data = load_dataset(name, random_state=seed)
    X = np.vstack([data.X_test, data.X_train])[:MAX_POINTS]
    y = np.concatenate([data.y_test, data.y_train])[:MAX_POINTS]
    return X.astype(np.float32), y, data.image_shape


def one_case(name: str, X, y, image_shape, components: list[int], seed: int, out: Path) -> dict:
    codes, errors = {}, {}
    for k in components:
        pca = PCA(k, random_state=seed).fit(X)
        Z = pca.transform(X)
        codes[f"pca-{k}"] = Z
        errors[f"pca-{k}"] = {"reconstruction error": np.mean((pca.inverse_transform(Z) - X) ** 2, axis=1)}
    figure = code_map_figure(codes, out / "codes.png", colour_by=y, method="pca", random_state=seed,
                             title=name, caption="codes", map_fields=errors, images=X, image_shape=image_shape)
    path = write_report(out / "report.html", title=name, table=pd.DataFrame({"model": list(codes)}),
                        figures=[figure], meta={})
    page = path.read_text(encoding="utf-8")
    sheet = re.search(r'"src":"(data:image/png;base64,[^"]*)"', page).group(1)
    row = {"case": name, "points": figure[2].n_points, "maps": len(codes),
           "report_bytes": path.stat().st_size, "script_bytes": len(script().encode("utf-8")),
           "thumbnail_sheet_bytes": len(sheet), "static_png_bytes": Path(figure[0]).stat().st_size,
           "under_10_mb": path.stat().st_size < LIMIT_BYTES}
    if browser.chromium_path() is not None:
        check = browser.explorer_report(path)
        row.update({"console_errors": len(check["errors"]), "plotted": check["plotted"],
                    "tooltip_shown": bool(check["tip_visible"] and check["tip_image"]),
                    "redraw_ms": round(check["draw_ms"], 2)})
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cases = [("mnist-5k", [16]), ("mnist-5k, 6 maps", [2, 4, 8, 16, 24, 32]), ("fashion-mnist", [16])]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, components) in enumerate(cases):
            try:
                X, y, shape = image_rows(name.split(",")[0], args.seed)
            except (DataError, FileNotFoundError, OSError) as error:  # fashion-mnist not installed here
                print(f"skipped {name}: {error}")
                continue
            out = Path(tmp) / str(i)
            out.mkdir()
            rows.append(one_case(name, X, y, shape, components, args.seed, out))
    table = pd.DataFrame(rows)
    print(table_to_markdown(table))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "command": "python benchmarks/explorer.py" + (f" --seed {args.seed}" if args.seed else ""),
        "seed": args.seed, "protocol": "full",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (2-core shared CPU), Python "
                   f"{platform.python_version()}, {browser.chromium_path() or 'no Chromium'}",
        "rows": rows}, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
