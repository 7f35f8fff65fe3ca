"""Text bound for a spreadsheet (CSV downloads, mail-merge files, exports), kept from running as a formula.

Spreadsheets run a cell that starts with one of `FORMULA_STARTS` as a formula, and the names in
these files (value streams, waves, items) are typed by people: such text gets a leading apostrophe.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """`value` with a leading apostrophe if it is text a spreadsheet would run as a formula; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
