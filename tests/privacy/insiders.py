"""What the privacy attack tests share: people in roles, respondents answering over HTTP, downloads.

Every attack is played through HTTP as the insider would play it: with a change manager's or a
researcher's login, the pages and files their role opens, and respondents answering through the
questionnaire. Nothing here reads the database behind the insider's back.
"""

import csv
import io

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from surveys.questionnaire import theme_pages


def insider(organization, role, username=None):
    """A logged-in client of a user holding `role` (a Membership.Role) in `organization`."""
    user = get_user_model().objects.create_user(username or f"{role}-{organization.pk}", password="x")
    Membership.objects.create(user=user, organization=organization, role=role)
    client = Client()
    client.force_login(user)
    return client


def change_manager(organization):
    return insider(organization, Membership.Role.CHANGE_MANAGER)


def researcher(organization):
    return insider(organization, Membership.Role.RESEARCHER)


def answer(wave, value_stream, side, value="4", client=None):
    """A respondent answers the whole questionnaire through the open link (every item `value`) and submits."""
    client = client or Client()
    base = f"/s/{wave.slug}/"
    client.post(base)
    reply = client.post(base + "about-you/", {"value_stream": value_stream.pk, "side": side})
    assert reply.status_code == 302, reply.content.decode()
    for page in theme_pages(wave.instrument):
        reply = client.post(f"{base}questions/{page.number}/", {f"item-{item.code}": value for item in page.items})
        assert reply.status_code == 302, reply.content.decode()
    return client.post(base + "review/")


def download(client, name, *args, query=""):
    """The bytes of a download (or page) of the dashboards, by URL name."""
    reply = client.get(reverse(name, args=args) + query)
    return reply.status_code, reply.content


def csv_rows(content):
    return list(csv.DictReader(io.StringIO(content.decode())))


def post_setup(client, wave, **changes):
    """Post the wave's set-up page as a change manager would: every field as it is, but `changes`."""
    from django.utils import timezone

    def local(moment):
        return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""

    head_counts = {hc.value_stream_id: hc for hc in wave.head_counts.all()}
    data = {
        "title": wave.title,
        "slug": wave.slug,
        "instrument": wave.instrument_id,
        "value_streams": [vs.pk for vs in wave.value_streams.all()],
        "new_value_streams": "",
        "opens_at": local(wave.opens_at),
        "closes_at": local(wave.closes_at),
        "status": wave.status,
        "anonymity_threshold": wave.anonymity_threshold,
        "languages": list(wave.languages),
        "access": wave.access,
        **({"interim_results": "on"} if getattr(wave, "interim_results", False) else {}),
    }
    for vs in wave.organization.value_streams.all():
        current = head_counts.get(vs.pk)
        data[f"head_biz_{vs.pk}"] = current.biz if current and current.biz is not None else ""
        data[f"head_it_{vs.pk}"] = current.it if current and current.it is not None else ""
    data.update(changes)
    data = {name: value for name, value in data.items() if value is not False}
    return client.post(reverse("dashboards:wave_edit", args=[wave.slug]), data)
