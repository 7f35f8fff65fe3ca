"""What the privacy attack tests do through HTTP, as the insider would: people in roles with their
pages, downloads and forms; respondents answering through the open link or a personal link.
Nothing here reads the database behind the insider's back."""

import csv
import io
import re
from html.parser import HTMLParser

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.models import Membership

LINK = re.compile(r"https?://[^/\s]+(/i/[A-Za-z0-9_-]+/)")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def change_manager(organization, username="manager", admin_permissions=()):
    """A logged-in browser of a change manager of `organization`.

    With `admin_permissions` ("surveys.view_invitation", ...) the person is also staff with
    those permissions in the admin: the most an organization could give a change manager
    short of making them an administrator.
    """
    user = get_user_model().objects.create_user(username, is_staff=bool(admin_permissions))
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.CHANGE_MANAGER)
    for name in admin_permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    client = Client()
    client.force_login(user)
    return client


def researcher(organization, username="researcher"):
    """A logged-in browser of a researcher of `organization`."""
    user = get_user_model().objects.create_user(username)
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.RESEARCHER)
    client = Client()
    client.force_login(user)
    return client


def link_in(message):
    """The path of the personal link in an e-mail."""
    return LINK.search(message.body).group(1)


def _answer_and_submit(client, wave, value, background):
    client.post(reverse("surveys:intro", args=[wave.slug]))
    assert client.post(reverse("surveys:about", args=[wave.slug]), background).status_code == 302
    pages = {}
    for item in wave.instrument.ordered_items():
        pages.setdefault(item.theme_id, []).append(item.code)
    for number, codes in enumerate(pages.values(), start=1):
        answers = {f"item-{code}": str(value) for code in codes}
        assert client.post(reverse("surveys:page", args=[wave.slug, number]), answers).status_code == 302
    submitted = client.post(reverse("surveys:review", args=[wave.slug]))
    assert submitted["Location"] == reverse("surveys:thanks", args=[wave.slug])
    return client


def answer_with_link(path, wave, value=3):
    """Open a personal link in a new browser, answer every statement with `value` and submit."""
    client = Client()
    opened = client.get(path)
    assert opened.status_code == 302, opened.status_code
    return _answer_and_submit(client, wave, value, {})


def answer(wave, value_stream, side, value=4):
    """A respondent in a new browser answers every statement with `value` through the open link and submits."""
    return _answer_and_submit(Client(), wave, value, {"value_stream": value_stream.pk, "side": side})


def download(client, name, *args, query=""):
    """(status, bytes) of a page or file of the dashboards, by URL name."""
    reply = client.get(reverse(name, args=args) + query)
    return reply.status_code, reply.content


def csv_rows(content):
    return list(csv.DictReader(io.StringIO(content.decode())))


def page_text(reply):
    """A page as the change manager sees it, without what differs on every request (the CSRF token)."""
    assert reply.status_code == 200, reply.status_code
    return CSRF.sub('name="csrfmiddlewaretoken"', reply.content.decode())


def notice(reply):
    """The notice the invitations page shows after an action, or None."""
    found = re.search(r'<div class="alert alert-(\w+)" role="status">(.*?)</div>', reply.content.decode(), re.S)
    return found and (found.group(1), " ".join(found.group(2).split()))


class _FormFields(HTMLParser):
    """The fields of one <form> of a page, with the values a browser would send unchanged."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        if tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            if attrs.get("type") not in ("submit", "button", "file"):
                self.data.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self.data.append((self._textarea, ""))

    def handle_data(self, data):
        if self._textarea:
            name, text = self.data.pop()
            self.data.append((name, text + data))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            name, text = self.data.pop()
            self.data.append((name, text.removeprefix("\n")))
            self._textarea = None


def form_data(reply, form_id):
    """What submitting the form `form_id` of a page unchanged would post: {name: [values]}."""
    parser = _FormFields(form_id)
    parser.feed(reply.content.decode())
    data = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    return data


def post_setup(client, wave, **changes):
    """Post the wave's set-up page as a browser would, with `changes` to what the form holds."""
    url = reverse("dashboards:wave_edit", args=[wave.slug])
    data = {**form_data(client.get(url), "wave-setup"), **changes}
    return client.post(url, data)
