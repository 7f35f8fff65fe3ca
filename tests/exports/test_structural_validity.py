"""The researcher's "Structural validity" page: the figures of `psychometrics` for a released wave
(or several pooled), each refusal as a translated message, for the wave's researchers only; a
hidden group's answers change nothing on it."""

import html
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from assessments.psychometrics import released_psychometrics
from surveys.models import Wave
from tests.assessments.factor_rows import factor_rows
from tests.conftest import make_wave
from tests.dashboards.conftest import ORGANIZATION, import_wave, row, wave_rows
from tests.exports.test_pages import researcher_of

pytestmark = pytest.mark.django_db


def page(client, slug, **query):
    return client.get(reverse("exports:structural_validity", args=[slug]), query)


def html_of(response):
    """The page without its per-request CSRF tokens."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def text_of(response):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def factor_wave(instrument):
    return import_wave(instrument, factor_rows(), slug="factors")


@pytest.fixture
def researcher(client):
    client.force_login(researcher_of(ORGANIZATION))
    return client


def test_the_page_shows_the_figures_of_the_release(researcher, factor_wave):
    result = released_psychometrics([factor_wave])
    response = page(researcher, "factors")
    assert response.status_code == 200
    text = text_of(response)
    assert "180 complete cases" in text
    fit = result["fit"]
    assert f"{fit['chisq']:.2f} {fit['df']}" in text
    for figure in ("cfi", "tli", "rmsea", "srmr"):
        assert f"{fit[figure]:.3f}" in text
    assert f"PCT3 PCT {result['loadings']['PCT3']['std']:.3f}" in text
    assert f"SPS {result['omega']['SPS']:.3f} {result['alpha']['SPS']:.3f}" in text
    assert f"PCT – SPS {result['factor_correlations']['PCT|SPS']:.3f}" in text
    scalar = result["invariance"][2]
    assert f"{scalar['delta_cfi']:+.3f}" in text and f"{scalar['delta_chisq']:.2f} 6" in text
    assert "Biz and IT means may be compared" in text


def test_intercepts_that_differ_by_side_say_means_may_not_be_compared(researcher, instrument):
    import_wave(instrument, factor_rows(it_shift=[0, 0, 0, 1.5, 0, 0, 0, 0, 0]), slug="shifted")
    text = text_of(page(researcher, "shifted"))
    assert "Biz and IT theme means may not be compared: CFI drops by more than .01 at the step Scalar" in text
    assert "Compare items, not theme means." in text


def test_a_refused_model_is_a_translated_message_without_figures(researcher, instrument):
    import_wave(instrument, wave_rows(), slug="dash")
    text = text_of(page(researcher, "dash"))
    assert "The items' covariance matrix is not positive definite" in text
    assert "Too few complete cases: the model needs more complete cases" in text
    assert "Standardized loadings" not in text and "Δχ²" not in text
    researcher.cookies["django_language"] = "de"
    german = text_of(page(researcher, "dash"))
    assert "Kovarianzmatrix" in german and "Zu wenige vollständige Fälle" in german


def test_pooling_adds_the_other_waves_complete_cases(researcher, instrument, factor_wave):
    import_wave(instrument, factor_rows(seed=4), slug="factors-again")
    text = text_of(page(researcher, "factors", **{"with": ["factors-again", "nowhere"]}))
    assert "360 complete cases" in text
    assert "Not pooled (not a released wave on this instrument version that you may read): nowhere." in text


def test_a_wave_without_a_release_says_so(researcher, instrument, value_streams):
    wave = make_wave(value_streams[0].organization, instrument, value_streams, slug="not-yet")
    client = Client()
    client.force_login(researcher_of(wave.organization.name, "their-researcher"))
    response = page(client, "not-yet")
    assert response.status_code == 409
    assert "Nothing of this wave is released yet" in text_of(response)


def test_only_the_waves_researchers_see_it(client, factor_wave):
    client.force_login(researcher_of("Other Bank", "other"))
    assert page(client, "factors").status_code == 404
    client.force_login(researcher_of(ORGANIZATION, "theirs"))
    assert page(client, "factors").status_code == 200
    assert (
        reverse("exports:structural_validity", args=["factors"]) in client.get(reverse("exports:home")).content.decode()
    )


def test_a_hidden_groups_answers_change_nothing_on_the_page(researcher, instrument):
    """Tiny IT (2 people, hidden) answers otherwise: the page is the same; a shown respondent who
    answers otherwise changes it (the control)."""

    def rendered(rows):
        Wave.objects.filter(slug="factors").delete()
        import_wave(instrument, rows, slug="factors")
        cache.clear()
        return html_of(page(researcher, "factors"))

    before = rendered(factor_rows())
    assert "Biz and IT means may be compared" in before
    assert rendered(factor_rows(tiny=(5, 5, 1, 1, 5, 5, 5, 5, 5))) == before
    shown_changed = factor_rows()
    shown_changed[0] = row("Alpha", "biz", pct=(1, 1, 5), sps=(5, 1, 1, 1), dh=(1, 5))
    assert rendered(shown_changed) != before
