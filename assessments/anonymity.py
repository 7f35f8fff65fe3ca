"""Which cells of a report may be shown: the anonymity rules, as one pure function.

A report shows, for each measure (a theme or a dimension) and each side (Biz or IT), one cell
per value stream and one pooled cell for all value streams together. A cell's n is the number
of respondents with a score for the measure. With the wave's anonymity threshold k:

1. A value-stream cell with 0 < n < k is suppressed: too few people to hide among.

2. Differencing. The pooled cell includes everyone, so a suppressed cell could be recovered by
   subtracting the shown value-stream cells from the pooled cell. That only reveals a group of
   fewer than k people if the suppressed cells together hold fewer than k respondents. So,
   within one side and one measure: while the suppressed cells together hold more than 0 and
   fewer than k respondents, the smallest cell still shown (by n, ties broken by value stream
   name) is suppressed as well. Since a shown cell has at least k respondents, one extra cell
   always suffices. If nothing is suppressed, nothing is added.

3. The pooled cell with 0 < n < k is suppressed.

4. A cell with n = 0 (value stream or pooled) is "empty": it is shown as n = 0 with no figures,
   is never "suppressed", never counts towards the suppressed total and is never chosen to
   cover a suppressed cell — an empty cell hides no one and reveals nothing.

The rules look at counts only, never at scores, so the decision itself leaks nothing.
"""

from collections.abc import Mapping
from dataclasses import dataclass

SHOWN, SUPPRESSED, EMPTY = "shown", "suppressed", "empty"


@dataclass(frozen=True)
class CellVisibility:
    """The status ("shown", "suppressed" or "empty") of each cell of one measure on one side."""

    by_value_stream: dict  # value stream name -> status
    pooled: str


def _status(n, k):
    if n == 0:
        return EMPTY
    return SUPPRESSED if n < k else SHOWN


def suppress_cells(counts: Mapping[str, int], pooled_n: int, k: int) -> CellVisibility:
    """Decide which cells of one measure on one side are shown (see the module docstring).

    Parameters
    ----------
    counts : Mapping[str, int]
        Respondents per value stream (value stream name -> n ≥ 0).
    pooled_n : int
        Respondents of the pooled cell (normally the sum of ``counts``).
    k : int
        Anonymity threshold (≥ 1).

    Returns
    -------
    CellVisibility
        ``by_value_stream`` maps every name of ``counts`` to "shown", "suppressed" or "empty";
        ``pooled`` is the pooled cell's status.

    Raises
    ------
    ValueError
        For a negative count or k < 1 (a programming error, not a small group).

    Examples
    --------
    >>> suppress_cells({"A": 4, "B": 10, "C": 12}, 26, k=5).by_value_stream
    {'A': 'suppressed', 'B': 'suppressed', 'C': 'shown'}
    """
    if k < 1:
        raise ValueError(f"the anonymity threshold must be at least 1, not {k}")
    if pooled_n < 0 or any(n < 0 for n in counts.values()):
        raise ValueError("respondent counts cannot be negative")

    status = {name: _status(n, k) for name, n in counts.items()}

    def suppressed_total():
        return sum(counts[name] for name, s in status.items() if s == SUPPRESSED)

    while 0 < suppressed_total() < k:
        still_shown = [name for name, s in status.items() if s == SHOWN]
        if not still_shown:
            break  # all non-empty cells are suppressed; their sum (the pooled n) is < k as well
        smallest = min(still_shown, key=lambda name: (counts[name], name))
        status[smallest] = SUPPRESSED

    return CellVisibility(by_value_stream=status, pooled=_status(pooled_n, k))
