"""Structural validity of a release (assessments.psychometrics): the CFA's data are the shown
groups' reverse-coded, listwise complete answers; hidden groups change nothing; the dict has the
keys of the `--json` output; what cannot be estimated is said, not computed."""

import numpy as np
import pytest

from assessments import cfa
from assessments.anonymity import SHOWN, SUPPRESSED
from assessments.gather import WaveData
from assessments.psychometrics import psychometrics
from assessments.report import disclosure

# Themes A (3 items, the second reverse-worded), B (3), C (2) and D (1 item: no factor).
ITEM_THEME = np.array([0, 0, 0, 1, 1, 1, 2, 2, 3])
REVERSE = np.array([False, True, False, False, False, False, False, False, False])
STREAMS = ["Alpha", "Beta", "Small", "Tiny"]


def factor_wave(seed=7, n=480, it_shift=0.0):
    """Answers 1-5 from three correlated factors; Small (4 Biz) and Tiny (2 Biz) are hidden (k = 5)."""
    rng = np.random.default_rng(seed)
    phi = np.array([[1, 0.4, 0.3], [0.4, 1, 0.5], [0.3, 0.5, 1]])
    factors = rng.multivariate_normal(np.zeros(3), phi, size=n)
    loadings = np.array([1, -0.8, 0.9, 1, 0.7, 0.8, 1, 0.9])  # the reverse-worded item loads negatively
    latent = factors[:, ITEM_THEME[:8]] * loadings + rng.normal(scale=0.7, size=(n, 8))
    single = factors[:, 2:3] * 0.5 + rng.normal(size=(n, 1))
    answers = np.clip(np.rint(np.hstack([latent, single]) + 3), 1, 5)
    stream = np.where(np.arange(n) < n // 2, 0, 1)
    stream[:4], stream[4:6] = 2, 3
    is_biz = rng.random(n) < 0.5
    is_biz[:6] = True
    answers[~is_biz] = np.clip(answers[~is_biz] + it_shift, 1, 5)
    missing = rng.random(answers.shape) < 0.05
    missing[:6] = False
    answers[missing] = np.nan
    return WaveData(
        slug="factors",
        title="Factors",
        anonymity_threshold=5,
        scale_min=1,
        scale_max=5,
        item_codes=[f"I{i}" for i in range(9)],
        item_theme=ITEM_THEME,
        item_reverse=REVERSE,
        theme_codes=["A", "B", "C", "D"],
        theme_names=["A", "B", "C", "D"],
        theme_dimension=np.array([0, 0, 1, 1]),
        dimension_codes=["X", "Y"],
        dimension_names=["X", "Y"],
        value_stream_names=STREAMS,
        response_value_stream=stream,
        response_is_biz=is_biz,
        answers=answers,
        not_applicable=missing & (rng.random(answers.shape) < 0.5),
    )


def test_the_wave_used_here_hides_small_and_tiny_and_shows_alpha_and_beta():
    shown = disclosure(factor_wave())
    assert [shown.status("biz", name) for name in STREAMS] == [SHOWN, SHOWN, SUPPRESSED, SUPPRESSED]
    assert [shown.status("it", name) for name in STREAMS[:2]] == [SHOWN, SHOWN]


def test_the_model_is_fit_to_shown_reverse_coded_complete_cases_of_themes_with_two_items():
    data = factor_wave()
    result = psychometrics(data)
    visible = data.response_value_stream < 2
    answers = data.answers[visible][:, :8].copy()
    answers[:, 1] = 6 - answers[:, 1]
    complete = ~np.isnan(answers).any(axis=1)
    expected = cfa.fit_cfa(answers[complete], data.item_codes[:8], list("AAABBBCC"))
    assert result["n"] == complete.sum()
    assert result["themes_without_factor"] == ["D"]
    assert result["fit"]["chisq"] == pytest.approx(expected.fit.chisq, rel=1e-9)
    assert result["loadings"]["I1"] == {"theme": "A", "std": pytest.approx(expected.std_loadings[1])}
    assert result["loadings"]["I1"]["std"] > 0.4  # reverse-coded: it now loads positively
    assert set(result["loadings"]) == {f"I{i}" for i in range(8)}
    assert set(result["omega"]) == set(result["alpha"]) == {"A", "B", "C"}
    assert set(result["factor_correlations"]) == {"A|B", "A|C", "B|C"}
    assert result["errors"] == {"model": None, "invariance": None}


def test_the_json_keys_are_those_the_issue_lists():
    result = psychometrics(factor_wave())
    for key in ("n", "fit", "loadings", "omega", "alpha", "factor_correlations", "invariance"):
        assert key in result
    assert set(result["fit"]) == {
        "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "srmr"
    }  # fmt: skip
    steps = result["invariance"]
    assert [step["step"] for step in steps] == ["configural", "metric", "scalar"]
    step_keys = {"step", "chisq", "df", "cfi", "rmsea", "srmr", "delta_chisq", "delta_df", "delta_p", "delta_cfi"}
    assert all(set(step) == step_keys for step in steps)
    assert [steps[0][k] for k in ("delta_chisq", "delta_df", "delta_p", "delta_cfi")] == [None] * 4
    assert steps[1]["delta_df"] == 5  # five free loadings made equal across Biz and IT


def test_hidden_groups_answers_change_nothing():
    data = factor_wave()
    swapped = factor_wave()
    swapped.answers[:6] = 6 - swapped.answers[:6]  # Small and Tiny answer the opposite
    assert psychometrics(swapped) == psychometrics(data)


def test_pooled_waves_use_every_waves_shown_responses():
    first, second = factor_wave(seed=7), factor_wave(seed=8)
    pooled = psychometrics([first, second])
    assert pooled["n"] == psychometrics(first)["n"] + psychometrics(second)["n"]
    other = factor_wave()
    other.item_codes = [*other.item_codes[:8], "Z"]
    with pytest.raises(ValueError, match="one instrument version"):
        psychometrics([first, other])


def test_it_answering_higher_makes_means_not_comparable():
    assert psychometrics(factor_wave())["means_comparable"] is True
    shifted = factor_wave(it_shift=np.array([0, 0, 0, 1.5, 0, 0, 0, 0, 0]))
    result = psychometrics(shifted)
    assert result["invariance"][2]["delta_cfi"] < -0.01
    assert result["means_comparable"] is False


def test_too_few_complete_cases_are_said_and_no_figures_are_given():
    data = factor_wave(n=60)
    data.answers[6:40, 3] = np.nan  # most respondents skipped an item of B
    result = psychometrics(data)
    assert result["fit"] is None and result["loadings"] == {} and result["invariance"] is None
    assert "Too few complete cases" in result["errors"]["model"]
    assert "Too few complete cases" in result["errors"]["invariance"]
    assert result["error_kinds"] == {"model": "too_few_cases", "invariance": "too_few_cases"}


# --------------------------------------------------------------------------------------------
# From the database: the newest release of each wave
# --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_release_is_read_without_its_hidden_groups_and_what_cannot_be_estimated_is_said(instrument):
    from assessments.psychometrics import released_psychometrics
    from tests.conftest import gather_released
    from tests.dashboards.conftest import import_wave, wave_rows

    wave = import_wave(instrument, wave_rows())
    data = gather_released(wave)
    result = released_psychometrics([wave])
    assert result["waves"] == [{"slug": wave.slug, "release": data.release["number"]}]
    assert result == {**psychometrics(data), "waves": result["waves"]}
    # The dashboards' wave: Tiny IT and Alpha IT are hidden; the shown Alpha, Beta and Tiny Biz (6
    # each) and Beta IT (7) answered everything.
    assert result["n"] == 25
    # Its few distinct answer patterns make the items' covariances singular, and 18 Biz
    # respondents are too few for a side's 30 free parameters: said, with no figures.
    assert result["fit"] is None and "not positive definite" in result["errors"]["model"]
    assert result["error_kinds"] == {"model": "not_positive_definite", "invariance": "too_few_cases"}
    assert result["invariance"] is None
    assert result["errors"]["invariance"].startswith("Too few complete cases (biz): 18 for 9 items")


@pytest.mark.django_db
def test_a_wave_without_a_release_is_refused_by_name(instrument, organization, value_streams):
    from assessments.psychometrics import released_psychometrics
    from tests.conftest import make_wave

    wave = make_wave(organization, instrument, value_streams, slug="not-yet")
    with pytest.raises(ValueError, match="No release yet.*not-yet"):
        released_psychometrics([wave])


def test_a_just_identified_model_has_no_p_value_rather_than_nan():
    data = factor_wave()
    codes = list("ABCDEFG")  # A has 3 items, every other theme one: only A is modelled, df = 0
    data.item_theme = np.array([0, 0, 0, 1, 2, 3, 4, 5, 6])
    data.theme_codes, data.theme_names = codes, codes
    data.theme_dimension = np.array([0, 0, 0, 1, 1, 1, 1])
    result = psychometrics(data)
    assert result["themes_without_factor"] == codes[1:]
    assert result["fit"]["df"] == 0 and result["fit"]["chisq"] == pytest.approx(0, abs=1e-8)
    assert result["fit"]["pvalue"] is None
    assert set(result["loadings"]) == {"I0", "I1", "I2"}
