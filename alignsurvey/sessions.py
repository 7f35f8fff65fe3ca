"""Database sessions that keep the day, not the time, they were saved.

Django's database sessions store two times of each save in the session's row: the expiry, "saved
at + SESSION_COOKIE_AGE", and the data's signature, which django.core.signing.dumps stamps with
the second it signed. A respondent's session is saved when they submit, so either would date the
submission to the second (and the sessions would sort like the responses' ids). This store rounds
every expiry up to the next midnight in TIME_ZONE and stamps the signature with the day (UTC)
only. It does so for staff sessions too, which therefore last up to a day longer; nothing reads
the stamp (the row's expiry ends a session), and the data reads as Django's own.
"""

import datetime
import time

from django.contrib.sessions.backends import db
from django.core import signing
from django.utils import timezone

DAY_SECONDS = 24 * 3600


class DayStampSigner(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(time.time()) // DAY_SECONDS * DAY_SECONDS)


def next_midnight(moment):
    """The first midnight in TIME_ZONE at or after `moment`."""
    local = timezone.localtime(moment)
    day = local.date() if local.time() == datetime.time() else local.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class SessionStore(db.SessionStore):
    def get_expiry_date(self, **kwargs):
        return next_midnight(super().get_expiry_date(**kwargs))

    def get_expiry_age(self, **kwargs):
        """Seconds until get_expiry_date: the cookie's Max-Age ends with the row."""
        modification = kwargs.get("modification") or timezone.now()
        delta = self.get_expiry_date(**{**kwargs, "modification": modification}) - modification
        return delta.days * DAY_SECONDS + delta.seconds

    def encode(self, session_dict):
        """As Django encodes (signing.dumps), with the day instead of the second in the signature."""
        return DayStampSigner(salt=self.key_salt).sign_object(session_dict, serializer=self.serializer, compress=True)
