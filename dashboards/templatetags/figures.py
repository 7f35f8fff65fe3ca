"""How numbers read on the dashboards: two decimals, signed gaps, APA-style p values."""

from django import template

register = template.Library()

DASH = "—"


@register.filter
def score(value, places=2):
    return DASH if value is None else f"{value:.{places}f}"


@register.filter
def signed(value):
    return DASH if value is None else f"{value:+.2f}"


@register.filter
def interval(bounds):
    """A confidence interval as [low, high]; a dash when undefined."""
    if not bounds or bounds[0] is None or bounds[1] is None:
        return DASH
    return f"[{bounds[0]:.2f}, {bounds[1]:.2f}]"


@register.filter
def p_value(value):
    """APA style: no leading zero, three decimals, '< .001' below that."""
    if value is None:
        return DASH
    if value < 0.001:
        return "<\u00a0.001"  # no break between the sign and the number
    return f"{value:.3f}".lstrip("0") if value < 1 else "1.000"


@register.filter
def percent(value):
    return DASH if value is None else f"{value:.0f}%"
