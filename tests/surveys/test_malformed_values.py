"""Malformed numbers in what a respondent's browser posts: a 400 with a clear page and nothing stored, never a 500.

The respondent's counterpart of tests/dashboards/test_malformed_values.py, with the same values:
the value stream (an id) on "About you" and an answer (a point of the scale) on a theme page.
"""

import pytest

from surveys.models import Draft

from .test_questionnaire import ABOUT, BASE, page_url

MALFORMED = ["²", "١", "-1", "1e3", " 1", "9999999999999999999999", "abc"]


@pytest.mark.parametrize("value", MALFORMED)
def test_a_malformed_value_stream_is_a_bad_request(client, wave, value):
    client.post(BASE)

    response = client.post(ABOUT, {"value_stream": value, "side": "biz"})

    assert response.status_code == 400
    assert "not part of this survey" in response.content.decode()
    assert "value_stream" not in Draft.objects.get().data


@pytest.mark.parametrize("value", MALFORMED)
def test_a_malformed_answer_is_a_bad_request(client, wave, value_streams, value):
    client.post(BASE)
    client.post(ABOUT, {"value_stream": value_streams[0].pk, "side": "biz"})

    response = client.post(page_url(1), {"item-PCT1": value})

    assert response.status_code == 400
    assert "is not an answer on the scale" in response.content.decode()
    assert Draft.objects.get().data["answers"] == {}
