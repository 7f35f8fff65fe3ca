"""`manage.py psychometrics WAVE [WAVE …] [--json]`: the structural validity of released waves as a
researcher reads it, or as JSON with the issue's keys; every refusal is a message, not a traceback."""

import json

import pytest
from django.core.management import CommandError, call_command

from assessments.psychometrics import released_psychometrics
from tests.assessments.factor_rows import factor_rows
from tests.conftest import make_wave
from tests.dashboards.conftest import import_wave

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("psychometrics", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def factor_wave(instrument):
    return import_wave(instrument, factor_rows(), slug="factors")


def test_json_has_the_issues_keys_and_the_functions_figures(factor_wave):
    result = json.loads(run("factors", "--json"))
    assert result == json.loads(json.dumps(released_psychometrics([factor_wave])))
    assert result["n"] == 180  # Tiny IT (2) is hidden, and so one more IT cell (60) against differencing
    assert set(result["fit"]) == {
        "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "srmr"
    }  # fmt: skip
    assert result["fit"]["df"] == 24  # 45 moments − 21 free parameters
    assert set(result["loadings"]) == {"PCT1", "PCT2", "PCT3", "SPS1", "SPS2", "SPS3", "SPS4", "DH1", "DH2"}
    assert result["loadings"]["PCT3"]["theme"] == "PCT" and result["loadings"]["PCT3"]["std"] > 0.5  # reverse-coded
    assert set(result["omega"]) == set(result["alpha"]) == {"PCT", "SPS", "DH"}
    assert set(result["factor_correlations"]) == {"PCT|SPS", "PCT|DH", "SPS|DH"}
    steps = result["invariance"]
    assert [s["step"] for s in steps] == ["configural", "metric", "scalar"]
    assert set(steps[0]) == {
        "step", "chisq", "df", "cfi", "rmsea", "srmr", "delta_chisq", "delta_df", "delta_p", "delta_cfi"
    }  # fmt: skip
    assert [steps[0][k] for k in ("delta_chisq", "delta_df", "delta_p", "delta_cfi")] == [None] * 4
    assert steps[1]["delta_df"] == 6 and steps[2]["delta_df"] == 6  # 6 free loadings, then 6 free intercepts
    assert result["waves"] == [{"slug": "factors", "release": 1}]


def test_text_shows_fit_loadings_omega_beside_alpha_invariance_and_the_verdict(factor_wave):
    result = released_psychometrics([factor_wave])
    text = run("factors")
    assert "Complete cases (shown groups only): 180" in text
    assert f"CFI = {result['fit']['cfi']:.3f}" in text
    assert f"SRMR = {result['fit']['srmr']:.3f}" in text
    assert f"omega {result['omega']['SPS']:.3f}  alpha {result['alpha']['SPS']:.3f}" in text
    assert f"PCT3       {result['loadings']['PCT3']['std']:.3f}" in text
    assert f"{result['invariance'][2]['delta_cfi']:+.3f}" in text
    assert "Biz and IT means may be compared" in text


def test_intercepts_that_differ_by_side_say_means_may_not_be_compared(instrument):
    import_wave(instrument, factor_rows(it_shift=[0, 0, 0, 1.5, 0, 0, 0, 0, 0]), slug="shifted")
    text = run("shifted")
    assert "Biz and IT means may NOT be compared: the scalar step" in text
    assert "Compare items, not theme means." in text


def test_a_refused_model_is_said_without_figures(instrument):
    from tests.dashboards.conftest import wave_rows

    import_wave(instrument, wave_rows(), slug="dash")
    text = run("dash")
    assert "Not estimated: The items' covariance matrix is not positive definite" in text
    assert "Not estimated: Too few complete cases (biz): 18" in text
    assert "Biz and IT means: not tested" in text
    result = json.loads(run("dash", "--json"))
    assert result["fit"] is None and result["invariance"] is None
    assert result["error_kinds"] == {"model": "not_positive_definite", "invariance": "too_few_cases"}


def test_pooled_waves_add_their_complete_cases(instrument, factor_wave):
    import_wave(instrument, factor_rows(seed=4), slug="factors-again")
    result = json.loads(run("factors", "factors-again", "--json"))
    assert result["n"] == 360
    assert [w["slug"] for w in result["waves"]] == ["factors", "factors-again"]


@pytest.mark.parametrize(
    ("slugs", "message"),
    [
        (["nowhere"], "No survey wave 'nowhere'. Known waves: .*factors"),
        (["not-yet"], "No release yet, so nothing to analyse: not-yet"),
        (["factors", "other-version"], "Waves are pooled only on one instrument version: factors, other-version"),
    ],
)
def test_refusals_are_messages(factor_wave, organization, value_streams, slugs, message):
    from surveys.instrument_files import load_instrument
    from tests.conftest import small_instrument_document

    make_wave(organization, factor_wave.instrument, value_streams, slug="not-yet")
    other = load_instrument(small_instrument_document(version="2.0")).instrument
    import_wave(other, factor_rows(), slug="other-version")
    with pytest.raises(CommandError, match=message):
        run(*slugs)
