"""Staff pages speak the site's language (English): only the respondent's side is translated.

LocaleMiddleware picks the browser's language for every request. On the pages of change
managers, researchers and administrators, and on the wall screen's radiator, whose texts are
English only, that mixed German or French from Django's own catalogues (form labels, dates) into
English pages and set `lang` to a language the page is not in. So every view of a staff URL
namespace runs in English, one rule for all of them, whatever the browser asks for.
"""

from django.conf import settings
from django.utils import translation

STAFF_NAMESPACES = frozenset({"accounts", "dashboards", "exports", "admin"})


class StaffPagesInEnglish:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and STAFF_NAMESPACES.intersection(match.namespaces):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return None
