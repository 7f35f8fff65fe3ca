"""New wave: the instrument is chosen already when there is one obvious choice, the newest version
of the one instrument in use; with several instruments to choose from, the change manager chooses."""

import re

from django.urls import reverse

from surveys.instrument_files import load_instrument
from tests.conftest import make_wave, small_instrument_document


def chosen_instrument(manager_client, url):
    html = manager_client.get(url).content.decode()
    [select] = re.findall(r'<select name="instrument".*?</select>', html, re.S)
    return re.findall(r"<option [^>]*\bselected>([^<]*)</option>", select)


def load(code, version):
    return load_instrument(small_instrument_document(code=code, version=version)).instrument


def test_the_newest_version_of_the_only_instrument_is_chosen(manager_client, organization):
    load("test-oa", "1.9")
    load("test-oa", "1.10")  # loaded last: the newest, though "1.10" sorts before "1.9"

    assert chosen_instrument(manager_client, reverse("dashboards:wave_create", args=[organization.pk])) == [
        "test-oa v1.10"
    ]


def test_the_newest_version_of_the_instrument_the_organization_uses_is_chosen(
    manager_client, organization, value_streams
):
    make_wave(organization, load("test-oa", "1.0"), value_streams)
    load("other", "1.0")
    load("test-oa", "1.1")

    assert chosen_instrument(manager_client, reverse("dashboards:wave_create", args=[organization.pk])) == [
        "test-oa v1.1"
    ]


def test_with_two_instruments_and_no_wave_yet_nothing_is_chosen_for_the_change_manager(manager_client, organization):
    load("test-oa", "1.0")
    load("other", "1.0")

    chosen = chosen_instrument(manager_client, reverse("dashboards:wave_create", args=[organization.pk]))
    assert chosen == ["---------"]  # the empty choice: the form asks for one


def test_editing_a_wave_keeps_its_own_instrument(manager_client, organization, value_streams):
    wave = make_wave(organization, load("test-oa", "1.0"), value_streams)
    load("test-oa", "1.1")

    assert chosen_instrument(manager_client, reverse("dashboards:wave_edit", args=[wave.slug])) == ["test-oa v1.0"]
