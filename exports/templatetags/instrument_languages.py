"""Names of an instrument's languages on the Instruments pages: an instrument file may declare any
code, so a code Django does not know is shown as it is rather than failing the page."""

from django import template
from django.utils.translation import get_language_info

register = template.Library()


def _info(code):
    try:
        return get_language_info(code)
    except KeyError:
        return None


@register.filter
def language_local(code):
    """The language's own name ("Deutsch"), for a link that opens it; else the code."""
    info = _info(code)
    return info["name_local"][:1].upper() + info["name_local"][1:] if info else code


@register.filter
def language_translated(code):
    """The language's name in the page's language ("German" on an English page); else the code."""
    info = _info(code)
    return str(info["name_translated"]) if info else code
