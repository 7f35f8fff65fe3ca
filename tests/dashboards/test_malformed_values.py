"""Malformed numbers in the change manager's query strings and forms: a 400 or ignored, never a 500.

Every parameter a dashboard view turns into a number or an id, with values that look like one to
some parser but are not a plain id: a superscript and an Arabic-Indic digit (`str.isdigit()` says
yes, and int() takes the second), a sign, an exponent, a space, a number beyond any database
column, a word. The exports (format and layout are choices) and the log-in (names) take no
number; the respondent's pages are in tests/surveys/test_malformed_values.py.
"""

import pytest
from django.urls import reverse

from surveys.models import ValueStream

MALFORMED = ["²", "١", "-1", "1e3", " 1", "9999999999999999999999", "abc"]
TOO_LARGE = "9999999999999999999999"

# What a malformed value gets: "bad request" (400); "ignored" (the page as without it: 200, or the
# form saved as without it: 302); "the form's answer" (Django's form fields: shown again with a
# message, 200, or saved, 302, where the field reads the value as a number, as IntegerField reads
# " 1" and "١" as 1); or "not found" (404: a well-formed id, of nothing in the wave).
BAD_REQUEST, IGNORED, FORMS_ANSWER, NOT_FOUND = 400, {200, 302}, {200, 302}, 404


def items_page(wave, value):
    return "get", reverse("dashboards:items", args=[wave.slug]), {"value_stream": value}


def items_csv(wave, value):
    return "get", reverse("dashboards:items_csv", args=[wave.slug]), {"value_stream": value}


def trends_page(wave, value):
    return "get", reverse("dashboards:trends", args=[wave.organization_id]), {"instrument": value}


def trends_csv(wave, value):
    return "get", reverse("dashboards:trends_csv", args=[wave.organization_id]), {"instrument": value}


def invitation_form(action, field):
    def request(wave, value):
        form = {
            f"{action}-value_stream": wave.value_streams.first().pk,
            f"{action}-side": "biz",
            "links-count": "1",
            "email-addresses": "ana@example.org",
        }
        form.update({"action": action, f"{action}-{field}": value})
        return "post", reverse("dashboards:invitations", args=[wave.slug]), form

    return request


def wave_set_up(field):
    def request(wave, value):
        stream = wave.value_streams.order_by("pk").first()
        form = {
            "title": wave.title,
            "slug": wave.slug,
            "instrument": wave.instrument_id,
            "value_streams": stream.pk,
            "opens_at": "2026-01-05T08:00",
            "status": "closed",
            "anonymity_threshold": "5",
            "access": "open",
        }
        form[field.replace("<stream>", str(stream.pk))] = value
        return "post", reverse("dashboards:wave_edit", args=[wave.slug]), form

    return request


def expected_for_an_id(value):
    return NOT_FOUND if value == TOO_LARGE else BAD_REQUEST


PARAMETERS = {
    "items page ?value_stream": (items_page, expected_for_an_id),
    "items CSV ?value_stream": (items_csv, expected_for_an_id),
    "trends page ?instrument": (trends_page, lambda value: IGNORED),
    "trends CSV ?instrument": (trends_csv, lambda value: IGNORED),
    "links form value_stream": (invitation_form("links", "value_stream"), lambda value: FORMS_ANSWER),
    "links form count": (invitation_form("links", "count"), lambda value: FORMS_ANSWER),
    "e-mail form value_stream": (invitation_form("email", "value_stream"), lambda value: FORMS_ANSWER),
    "revoke form value_stream": (invitation_form("revoke", "value_stream"), lambda value: FORMS_ANSWER),
    "set-up instrument": (wave_set_up("instrument"), lambda value: IGNORED),  # fixed: the wave has responses
    "set-up anonymity_threshold": (wave_set_up("anonymity_threshold"), lambda value: FORMS_ANSWER),
    "set-up value_streams": (wave_set_up("value_streams"), lambda value: FORMS_ANSWER),
    "set-up head count": (wave_set_up("head_biz_<stream>"), lambda value: FORMS_ANSWER),
}
def cases():
    for name in PARAMETERS:
        for value in MALFORMED:
            yield pytest.param(name, value, id=f"{name}={value!r}")


@pytest.mark.parametrize(("name", "value"), list(cases()))
def test_a_malformed_number_gets_a_400_or_is_ignored_never_a_500(admin_client, dash_wave, name, value):
    build, expected = PARAMETERS[name]
    method, url, data = build(dash_wave, value)
    admin_client.raise_request_exception = False

    response = getattr(admin_client, method)(url, data)

    wanted = expected(value)
    assert response.status_code in (wanted if isinstance(wanted, set) else {wanted}), response.content[:300]
    if response.status_code == BAD_REQUEST:
        assert "This request could not be understood" in response.content.decode()


def test_a_well_formed_value_stream_of_another_wave_is_not_found(admin_client, dash_wave, organization):
    foreign = ValueStream.objects.create(organization=organization, name="Elsewhere")
    response = admin_client.get(reverse("dashboards:items", args=[dash_wave.slug]), {"value_stream": foreign.pk})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "This request could not be understood"),
        ("de", "Diese Anfrage ist nicht verständlich"),
        ("fr", "Cette requête n’a pas pu être comprise"),
    ],
)
def test_the_bad_request_page_speaks_the_visitor_s_language(admin_client, dash_wave, language, heading):
    url = reverse("dashboards:items", args=[dash_wave.slug])
    response = admin_client.get(url, {"value_stream": "²"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert heading in response.content.decode()
