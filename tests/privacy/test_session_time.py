"""Attack: date a submission by the respondent's session.

Sessions are rows in the database, and Django's store keeps two times of each save in the row:
the expiry, "saved at + SESSION_COOKIE_AGE" (14 days), and a timestamp in the data's signature.
A respondent's session is saved when they submit, so either would date the submission to the
second, and the sessions would sort like the responses' ids. They keep the day only.
"""

import datetime
from unittest import mock

from django.contrib.sessions.models import Session
from django.core import signing
from django.test import Client
from django.utils import timezone

from surveys import invitations
from surveys.models import Response
from tests.conftest import give_head_counts
from tests.respondents import REVIEW, THANKS, answer_pages, start

RESPONDENT_KEYS = {"survey_drafts", "survey_submitted", "survey_invitations"}


def at(hour, minute, second):
    """Today (the wave of the fixtures opened yesterday) at the given time, in TIME_ZONE."""
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(hour, minute, second)))


def session_of(client):
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def assert_it_keeps_the_day_only(session, day):
    """The row expires at the midnight 15 days after `day`; its data holds no time, nor does its signature."""
    expiry = timezone.localtime(session.expire_date)
    assert expiry.time() == datetime.time(0, 0) and expiry.date() == day + datetime.timedelta(days=15)
    assert set(session.get_decoded()) <= RESPONDENT_KEYS, session.get_decoded()
    _, stamp, _ = session.session_data.split(":")  # data:timestamp:signature, as django.core.signing writes it
    assert signing.b62_decode(stamp) % (24 * 3600) == 0


def test_two_submissions_at_different_times_of_a_day_leave_sessions_that_expire_alike(wave, value_streams):
    browsers = []
    for moment in (at(8, 12, 5), at(17, 48, 33)):
        browser = Client()
        with mock.patch("django.utils.timezone.now", return_value=moment):
            start(browser, value_streams[0])
            answer_pages(browser)
            assert browser.post(REVIEW)["Location"] == THANKS
        browsers.append(browser)

    first, second = (session_of(browser) for browser in browsers)

    assert Response.objects.count() == 2
    assert first.expire_date == second.expire_date
    for session in (first, second):
        assert_it_keeps_the_day_only(session, timezone.localdate())


def test_opening_a_personal_link_saves_a_session_that_expires_at_a_midnight(wave, value_streams):
    give_head_counts(wave)
    [(_, token)] = invitations.create_invitations(wave, value_streams[0], "biz", 1)
    browser = Client()
    with mock.patch("django.utils.timezone.now", return_value=at(9, 30, 7)):
        assert browser.get(invitations.invitation_path(token)).status_code == 302

    assert_it_keeps_the_day_only(session_of(browser), timezone.localdate())

