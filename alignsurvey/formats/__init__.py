"""Date formats of our own, per language (Django's FORMAT_MODULE_PATH); every other format is Django's.

The staff pages write dates with DATE_FORMAT and SHORT_DATETIME_FORMAT, so German and French
get Django's ("17. November 2026", "17 novembre 2026"); English keeps the compact day-month-year
of a European organization instead of the American "Nov. 17, 2026".
"""
