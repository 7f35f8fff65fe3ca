"""Attack 5, n − 1: a change manager fills a hidden group with answers of their own.

The attack: a group (value stream × side) has one real respondent, too few to be shown. The
change manager makes k − 1 links for that group, answers them with known answers, and the group
is shown: subtracting the known answers leaves the victim's. Links for a group are therefore
bounded by its expected head count, fixed before the wave opens; every link ever issued counts,
used ones included.
"""

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from surveys.closing import close_wave
from surveys.models import HeadCount, Invitation, Response, Wave
from tests.conftest import make_wave

from .journeys import answer_with_link, change_manager, form_data, link_in, page_text

GROUP_SIZE = 3  # the Biz side of Financing applications, as the set-up says
HIDDEN = "hidden to protect anonymity"


@pytest.fixture
def wave(organization, instrument, value_streams):
    """An invitation-only wave with k = 5, still a draft, with a head count for Financing applications."""
    wave = make_wave(organization, instrument, value_streams, access=Wave.Access.INVITATION, status=Wave.Status.DRAFT)
    HeadCount.objects.create(wave=wave, value_stream=value_streams[0], biz=GROUP_SIZE, it=GROUP_SIZE)
    return wave


@pytest.fixture
def manager(wave):
    return change_manager(wave.organization)


def invitations_page(wave):
    return reverse("dashboards:invitations", args=[wave.slug])


def open_the_wave(wave):
    Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.OPEN)
    wave.refresh_from_db()
    assert wave.has_opened()


def test_links_beyond_the_head_count_are_refused_so_a_hidden_group_stays_hidden(
    wave, manager, value_streams, tmp_path
):
    financing = value_streams[0]
    people = "\n".join(f"person{number}@example.org" for number in range(GROUP_SIZE))
    sent = manager.post(
        invitations_page(wave),
        {"action": "email", "email-value_stream": financing.pk, "email-side": "biz", "email-addresses": people},
    )
    assert "Sent 3 invitations." in page_text(sent)
    open_the_wave(wave)
    answer_with_link(link_in(mail.outbox[0]), wave, value=1)  # the victim
    stored = set(Invitation.objects.values_list("pk", "token_hash", "revoked_on"))

    k = wave.anonymity_threshold
    links = manager.post(
        invitations_page(wave),
        {"action": "links", "links-value_stream": financing.pk, "links-side": "biz", "links-count": k - 1},
    )
    more_people = "\n".join(f"accomplice{number}@example.org" for number in range(k - 1))
    emails = manager.post(
        invitations_page(wave),
        {"action": "email", "email-value_stream": financing.pk, "email-side": "biz", "email-addresses": more_people},
    )

    links_page, emails_page = page_text(links), page_text(emails)
    assert links["Content-Type"].startswith("text/html")  # a page with the refusal, not a file of links
    assert "limited to its head count of 3; links left: 0, asked for: 4" in links_page
    assert 'name="links-count" value="4"' in links_page  # the form keeps what was typed
    assert "limited to its head count of 3; links left: 0, asked for: 4" in emails_page
    assert "accomplice3@example.org" in emails_page
    assert set(Invitation.objects.values_list("pk", "token_hash", "revoked_on")) == stored  # nothing stored
    assert len(mail.outbox) == GROUP_SIZE
    assert HeadCount.objects.get(wave=wave, value_stream=financing).biz_links == GROUP_SIZE
    with pytest.raises(CommandError, match="limited to its head count of 3; links left: 0, asked for: 4"):
        call_command(
            "invite", wave.slug, "--value-stream", financing.name, "--side", "biz", "--count", str(k - 1),
            "--output", str(tmp_path / "links.csv"), "--base-url", "https://survey.example.org",
        )  # fmt: skip
    assert not (tmp_path / "links.csv").exists()

    assert Response.objects.filter(wave=wave, value_stream=financing, side="biz").count() == 1
    close_wave(wave)  # its final release: what the dashboards then show
    stream_page = page_text(manager.get(reverse("dashboards:value_stream", args=[wave.slug, financing.pk])))
    assert HIDDEN in stream_page


def test_a_group_without_a_head_count_gets_no_links(wave, manager, value_streams):
    investing = value_streams[1]  # the set-up gave it no head count

    reply = manager.post(
        invitations_page(wave),
        {"action": "links", "links-value_stream": investing.pk, "links-side": "it", "links-count": 1},
    )

    assert "limited to its head count, and it has none" in page_text(reply)
    assert not Invitation.objects.exists()


def set_up_data(wave, value_streams, **changes):
    data = {
        "title": wave.title,
        "slug": wave.slug,
        "instrument": wave.instrument_id,
        "value_streams": [stream.pk for stream in value_streams],
        "opens_at": "2020-01-01T08:00",
        "status": "open",
        "anonymity_threshold": "5",
        "access": "invitation",
    }
    return {**data, **changes}


def test_the_head_count_cannot_be_raised_on_the_set_up_page_once_the_wave_has_opened(wave, manager, value_streams):
    financing = value_streams[0]
    open_the_wave(wave)
    set_up = reverse("dashboards:wave_edit", args=[wave.slug])

    form = page_text(manager.get(set_up))
    saved = manager.post(set_up, set_up_data(wave, value_streams, **{f"head_biz_{financing.pk}": "40"}))

    assert f'name="head_biz_{financing.pk}"' in form and "Fixed: the wave has opened" in form
    assert saved.status_code == 302
    assert HeadCount.objects.get(wave=wave, value_stream=financing).biz == GROUP_SIZE


def test_the_head_count_cannot_be_raised_in_the_admin_once_the_wave_has_opened(wave, admin_client, value_streams):
    open_the_wave(wave)
    change = reverse("admin:surveys_wave_change", args=[wave.pk])
    page = admin_client.get(change)
    data = form_data(page, "wave_form")
    assert "head_counts-0-biz" not in data  # read-only: no field to type in
    data["head_counts-0-biz"] = ["40"]  # and a forged one is ignored

    saved = admin_client.post(change, data)

    assert saved.status_code == 302, saved.content.decode()
    assert HeadCount.objects.get(wave=wave, value_stream=value_streams[0]).biz == GROUP_SIZE


def test_before_the_wave_opens_the_admin_changes_the_head_count(wave, admin_client, value_streams):
    """The same form as above, while the wave is a draft: the head count is the admin's to change."""
    change = reverse("admin:surveys_wave_change", args=[wave.pk])
    data = form_data(admin_client.get(change), "wave_form")
    data["head_counts-0-biz"] = ["40"]

    saved = admin_client.post(change, data)

    assert saved.status_code == 302, saved.content.decode()
    assert HeadCount.objects.get(wave=wave, value_stream=value_streams[0]).biz == 40


def test_the_invite_command_names_the_links_left(wave, value_streams, tmp_path):
    out = io.StringIO()
    target = tmp_path / "links.csv"
    arguments = ["invite", wave.slug, "--value-stream", value_streams[0].name, "--side", "it"]
    arguments += ["--output", str(target), "--base-url", "https://survey.example.org"]

    call_command(*arguments, "--count", "2", stdout=out)
    target.unlink()
    with pytest.raises(CommandError, match="limited to its head count of 3; links left: 1, asked for: 2"):
        call_command(*arguments, "--count", "2", stdout=out)

    assert not target.exists()
    assert HeadCount.objects.get(wave=wave, value_stream=value_streams[0]).it_links == 2
