"""The admin shows what respondents gave, and finds invitations by address, for administrators only.

A change manager may also be a staff user of the admin with some permissions. Single responses,
answers and drafts are what the anonymity rules keep from them; and since a used invitation is
deleted, finding no invitation for an address that was sent a link would tell that this person
has answered.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from surveys import invitations
from surveys.models import Draft, HeadCount, Response, Wave
from surveys.response_import import import_responses
from tests.conftest import make_wave

from .journeys import answer_with_link, link_in

ANSWER_ROWS = "value_stream,side,PCT1,PCT2,PCT3,SPS1,SPS2,SPS3,SPS4,DH1,DH2\nAlpha,biz,1,2,3,4,5,1,2,3,4\n"


def staff_with_every_permission_on(*models):
    user = get_user_model().objects.create_user("staff", is_staff=True)
    permissions = Permission.objects.filter(content_type__app_label="surveys", content_type__model__in=models)
    user.user_permissions.set(permissions)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser_client(db):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password="x"))
    return client


@pytest.fixture
def gathered(instrument):
    """A response with its answers, and a draft."""
    wave = import_responses(ANSWER_ROWS, survey="imported", instrument=instrument, organization_name="Imported").wave
    draft = Draft.objects.create(key="session-draft", wave=wave, data={"answers": {"PCT1": "4"}})
    response = Response.objects.get()
    return {"response": response, "answer": response.answers.first(), "draft": draft}


@pytest.mark.parametrize("model", ["response", "answer", "draft"])
def test_responses_answers_and_drafts_are_for_administrators_only(gathered, superuser_client, model):
    staff = staff_with_every_permission_on("response", "answer", "draft")
    pages = [
        reverse(f"admin:surveys_{model}_changelist"),
        reverse(f"admin:surveys_{model}_change", args=[gathered[model].pk]),
        reverse(f"admin:surveys_{model}_delete", args=[gathered[model].pk]),
    ]

    assert [staff.get(page).status_code for page in pages] == [403, 403, 403]
    assert staff.post(pages[2], {"post": "yes"}).status_code == 403
    assert reverse(f"admin:surveys_{model}_changelist") not in staff.get(reverse("admin:index")).content.decode()
    assert [superuser_client.get(page).status_code for page in pages[:2]] == [200, 200]
    assert type(gathered[model]).objects.filter(pk=gathered[model].pk).exists()


def test_only_administrators_see_invitations_and_find_one_by_its_address(
    organization, instrument, value_streams, superuser_client
):
    wave = make_wave(organization, instrument, value_streams, access=Wave.Access.INVITATION)
    HeadCount.objects.create(wave=wave, value_stream=value_streams[0], biz=2)
    build_url = invitations.link_builder("https://survey.example.org")
    invitations.send_invitations(wave, value_streams[0], "biz", ["ana@example.org", "ben@example.org"], build_url)
    answer_with_link(link_in(mail.outbox[0]), wave)  # Ana answers: her invitation is gone
    staff = staff_with_every_permission_on("invitation")
    changelist = reverse("admin:surveys_invitation_changelist")
    remaining = wave.invitations.get()

    def found(client, address):
        return client.get(changelist, {"q": address}).context["cl"].result_count

    assert staff.get(changelist, {"q": "ana@example.org"}).status_code == 403
    assert staff.get(reverse("admin:surveys_invitation_change", args=[remaining.pk])).status_code == 403
    assert changelist not in staff.get(reverse("admin:index")).content.decode()
    assert [found(superuser_client, address) for address in ("ana@example.org", "ben@example.org")] == [0, 1]
