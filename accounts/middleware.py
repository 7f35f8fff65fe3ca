"""The Django admin speaks the site's language (English), whatever the browser asks.

LocaleMiddleware picks the language of every request (the language cookie, else the browser's).
Every page of ours is translated, but the admin shows our models' names and help texts, which are
English, beside Django's own admin texts, which Django translates: a German browser would get a
page of both languages under lang="de". So the admin's views run in English.
"""

from django.conf import settings
from django.utils import translation

ENGLISH_ONLY_NAMESPACES = frozenset({"admin"})


class AdminInEnglish:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and ENGLISH_ONLY_NAMESPACES.intersection(match.namespaces):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return None
