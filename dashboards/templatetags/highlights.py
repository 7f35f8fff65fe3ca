"""What the highlights' sentences need: a link to a gap-table row, and a p value as "= .003" or "< .001"."""

from django import template
from django.utils.text import slugify

from assessments.highlights import LOW_RWG, NEGLIGIBLE_G

from .figures import p_value

register = template.Library()


def row_id(row):
    """The id of a comparison row in the gap table (templates/dashboards/_gap_table.html).

    With the value stream in it, so that a page or report showing several gap tables keeps ids unique.
    """
    stream = f"vs-{slugify(row.value_stream)}" if row.value_stream is not None else "all"
    return f"gap-{stream}-{row.level}-{slugify(row.code)}"


register.filter("row_id", row_id)


@register.filter
def row_link(row, level):
    """A link to the row's line in the page's gap table, switching the table's level if the page shows the other.

    `level` is the level the page's table shows, or "" when the page shows both (the report).
    """
    return f"#{row_id(row)}" if not level or row.level == level else f"?level={row.level}#{row_id(row)}"


@register.filter
def p_is(value):
    """The relation and the p value for a sentence: "= .003", or "< .001" (no break after the sign)."""
    text = p_value(value)
    return text if text.startswith("<") else f"=\u00a0{text}"


@register.simple_tag
def highlight_rules():
    """The cut-offs of the highlights' rules, for the note under them."""
    return {"low_rwg": LOW_RWG, "negligible_g": NEGLIGIBLE_G}
