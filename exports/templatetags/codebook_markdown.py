"""Filters for the Markdown codebook (templates/exports/codebook.md)."""

from django import template

register = template.Library()


@register.filter
def cell(text):
    """Text for a Markdown table cell: no line breaks, no bare pipes (either would end the cell or the row)."""
    return str(text).replace("\n", " ").replace("|", "\\|")
