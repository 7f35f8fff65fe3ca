"""The questionnaire's pages are read once per instrument revision, and never outlive a change to the instrument."""

import pytest

from surveys import questionnaire
from surveys.instrument_files import load_instrument
from surveys.models import InstrumentVersion, Item, Wave
from tests.conftest import small_instrument_document

from .test_questionnaire import BASE, answer_pages, page_url, start, text


def fresh_wave(wave):
    """The wave as a request reads it: with its instrument from the database."""
    return Wave.objects.select_related("instrument").get(pk=wave.pk)


def test_pages_are_read_from_the_database_once_per_revision(wave, django_assert_num_queries):
    questionnaire.theme_pages(fresh_wave(wave).instrument)
    instrument = fresh_wave(wave).instrument  # another request's

    with django_assert_num_queries(0):
        pages = questionnaire.theme_pages(instrument)

    assert [[item.code for item in page.items] for page in pages] == [
        ["PCT1", "PCT2", "PCT3"],
        ["SPS1", "SPS2", "SPS3", "SPS4"],
        ["DH1", "DH2"],
    ]


def test_reloaded_instrument_without_responses_shows_its_new_pages(client, wave, value_streams):
    start(client, value_streams[0])
    assert "We work in stable product teams." in text(client.get(page_url(1)))
    document = small_instrument_document()
    themes = document["dimensions"][0]["themes"]
    themes[0]["items"][0]["text"] = {"en": "We work in long-lived product teams."}
    themes[0]["items"].append({"code": "PCT4", "text": "We measure the value we deliver."})

    assert load_instrument(document).outcome == "updated"

    page = text(client.get(page_url(1)))
    assert "We work in long-lived product teams." in page and "We measure the value we deliver." in page
    assert "We work in stable product teams." not in page
    pages = questionnaire.theme_pages(fresh_wave(wave).instrument)
    assert [item.code for item in pages[0].items] == ["PCT1", "PCT2", "PCT3", "PCT4"]
    assert all(Item.objects.filter(pk=item.pk).exists() for page in pages for item in page.items)


def test_every_change_to_the_tree_gives_the_instrument_a_new_revision(instrument):
    seen = {InstrumentVersion.objects.get().revision}
    item = Item.objects.get(code="DH2")

    def renewed():
        revision = InstrumentVersion.objects.get().revision
        assert revision not in seen
        seen.add(revision)
        return True

    item.text = {"en": "Changed in the admin."}
    item.save()
    assert renewed()
    item.theme.save()
    assert renewed()
    item.theme.dimension.save()
    assert renewed()
    item.delete()
    assert renewed()
    InstrumentVersion.objects.get().save()
    assert renewed()


def test_item_changed_in_this_process_is_shown_even_through_an_instance_read_before(wave):
    stale = fresh_wave(wave).instrument
    questionnaire.theme_pages(stale)
    item = Item.objects.get(code="PCT1")
    item.text = {"en": "Changed in the admin."}
    item.save()

    for instrument in (stale, fresh_wave(wave).instrument):
        assert questionnaire.theme_pages(instrument)[0].items[0].text == {"en": "Changed in the admin."}


def test_another_process_sees_the_change_through_the_revision_it_reads(wave):
    """Another server process kept the old pages; the wave it reads next carries a new revision."""
    before = fresh_wave(wave).instrument
    kept = questionnaire.theme_pages(before)
    Item.objects.filter(code="PCT1").update(text={"en": "Changed elsewhere."})
    InstrumentVersion.objects.get().renew_revision()  # what the other process's change did
    assert questionnaire.theme_pages(before) is kept  # still kept here, as in the other process

    after = fresh_wave(wave).instrument

    assert after.revision != before.revision
    assert questionnaire.theme_pages(after)[0].items[0].text == {"en": "Changed elsewhere."}


@pytest.mark.parametrize("step", ["intro", "page", "review"])
def test_respondent_pages_do_not_read_the_instrument_again(
    client, wave, value_streams, step, django_assert_max_num_queries
):
    start(client, value_streams[0])
    answer_pages(client)
    url = {"intro": BASE, "page": page_url(2), "review": BASE + "review/"}[step]
    client.get(url)

    with django_assert_max_num_queries(8) as captured:
        client.get(url)

    assert not any('"surveys_item"' in query["sql"] for query in captured.captured_queries)
