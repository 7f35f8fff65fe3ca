"""How numbers read on the dashboards: two decimals, signed gaps, APA-style p values.

Numbers follow the active language: rounded as Python rounds (so English reads exactly as it
always has), then written with the language's decimal mark through Django's `number_format`,
the same separators the charts get (see `charts.separators`).
"""

import math
from decimal import Decimal

from django import template
from django.utils.formats import get_format, number_format
from django.utils.translation import pgettext

register = template.Library()

DASH = "—"


def localized(value, places):
    """`value` with `places` decimals in the active language; the sign as Python writes it."""
    text = f"{value:.{places}f}"
    if not math.isfinite(value):
        return text
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    return sign + str(number_format(Decimal(digits), places))


def decimal_point():
    """Whether the active language writes decimals with a point (English) rather than a comma."""
    return get_format("DECIMAL_SEPARATOR") == "."


@register.filter
def score(value, places=2):
    return DASH if value is None else localized(value, places)


@register.filter
def signed(value):
    if value is None:
        return DASH
    return ("+" if f"{value:+.2f}".startswith("+") else "") + localized(value, 2)


@register.filter
def interval(bounds):
    """A confidence interval as [low, high]; a dash when undefined."""
    if not bounds or bounds[0] is None or bounds[1] is None:
        return DASH
    # Translators: a confidence interval. With a decimal comma the bounds need another separator,
    # e.g. "[%(low)s; %(high)s]".
    text = pgettext("confidence interval", "[%(low)s, %(high)s]") % {
        "low": localized(bounds[0], 2),
        "high": localized(bounds[1], 2),
    }
    return text.replace(" ", "\u00a0")  # one figure: a narrow cell must not break it after the separator


@register.filter
def p_value(value):
    """APA style: no leading zero, three decimals, '< .001' below that.

    The leading zero is dropped with a decimal point only: ",043" would read oddly in German or
    French, so those read "0,043" and "<\u00a00,001".
    """
    if value is None:
        return DASH
    if value < 0.001:
        value, prefix = 0.001, "<\u00a0"  # no break between the sign and the number
    else:
        value, prefix = min(value, 1.0), ""
    text = localized(value, 3)
    if value < 1 and decimal_point():
        text = text.lstrip("0")
    return prefix + text


@register.filter
def percent(value):
    return DASH if value is None else f"{localized(value, 0)}%"


@register.filter
def magnitude(code):
    """The size of an effect in words: the report holds Cohen's labels as codes (English)."""
    labels = {
        # Translators: size of an effect (Cohen's d or Hedges' g) below 0.2.
        "negligible": pgettext("effect size", "negligible"),
        "small": pgettext("effect size", "small"),
        "medium": pgettext("effect size", "medium"),
        "large": pgettext("effect size", "large"),
    }
    if code is None:  # no effect size (e.g. no spread on either side): nothing to say, not "None"
        return ""
    return labels.get(code, code)
