"""Which groups of a release may be shown: the anonymity rules, as one pure function.

A *group* is one side (Biz or IT) of one value stream. Every table — dimensions, themes, items,
the heatmap, trends, radiator, exports — shows per side one cell per value stream and one pooled
cell, for a number of *measures*: the respondents, each item (answered on the scale or "not
applicable"), each theme and each dimension (respondents with a score). A group's n differs
from measure to measure (people skip items, answer "not applicable", lack a theme score), so
rules applied to each table apart would hide different groups in different tables, and
subtracting one table from another would give away the people of a hidden group. Hence one
decision per side, for every measure and every table at once. With the wave's threshold k:

1. A group is hidden when, for any measure, 0 < n < k: too few people to hide among.

2. The pooled cells of a side are hidden, all of them, when for any measure 0 < n < k.

3. Differencing. Shown pooled cells hold everyone, so the hidden groups together could be
   recovered by subtracting the shown groups from them. So while, for some measure, the hidden
   groups together count more than 0 and fewer than k respondents, one more group is hidden: of
   the shown groups that count anyone in such a measure, the one that counts in most of them,
   then the smallest (by respondents), then the first by name. A shown group has 0 or at least
   k in every measure, so each step mends the measures it counts in and breaks none; since the
   pooled cells hold at least k in each measure, a shown group counting in an offended measure
   always exists. In the end the hidden groups hold none or at least k in every measure.

4. A group nobody of that side answered in is "empty": shown as n = 0 with no figures, never
   hidden, never counted — an empty group hides no one and reveals nothing. Within a shown group,
   a measure nobody counts in is empty too. A hidden group shows nothing at all, not even n.

The rules look at counts only, never at scores, so the decision itself leaks nothing.
"""

from dataclasses import dataclass

import numpy as np

SHOWN, SUPPRESSED, EMPTY = "shown", "suppressed", "empty"


@dataclass(frozen=True)
class GroupVisibility:
    """The status ("shown", "suppressed" or "empty") of each group of one side, and of its pooled cells."""

    by_value_stream: dict  # value stream name -> status
    pooled: str

    @property
    def hidden(self):
        """The names of the hidden (suppressed) groups."""
        return sorted(name for name, status in self.by_value_stream.items() if status == SUPPRESSED)


def cell_status(group_status, n):
    """The status of one measure's cell in a group (or the pooled cells) of the given status."""
    if group_status == SHOWN and n == 0:
        return EMPTY
    return group_status


def suppress_groups(counts, names, k) -> GroupVisibility:
    """Decide which groups of one side are shown (see the module docstring).

    Parameters
    ----------
    counts : array_like of int, shape (value streams, measures)
        Respondents per value stream (rows, in the order of `names`) counted in each measure
        (columns). Column 0 must be the respondents themselves: a group with 0 there is empty.
    names : sequence of str
        The value streams' names: the tie-break, and the keys of the result.
    k : int
        Anonymity threshold (≥ 1).

    Returns
    -------
    GroupVisibility

    Raises
    ------
    ValueError
        For a negative count, a count above the group's respondents, or k < 1 (programming errors).

    Examples
    --------
    A: 2 people; B: 6 of whom 2 answered no item of a theme (4 scores); C: 20; D: 30.

    >>> visibility = suppress_groups([[2, 2], [6, 4], [20, 20], [30, 30]], ["A", "B", "C", "D"], k=5)
    >>> visibility.by_value_stream
    {'A': 'suppressed', 'B': 'suppressed', 'C': 'shown', 'D': 'shown'}
    >>> visibility.pooled
    'shown'
    """
    if k < 1:
        raise ValueError(f"the anonymity threshold must be at least 1, not {k}")
    if not len(names):
        return GroupVisibility(by_value_stream={}, pooled=EMPTY)
    counts = np.asarray(counts, dtype=np.int64).reshape(len(names), -1)
    if (counts < 0).any() or (counts > counts[:, :1]).any():
        raise ValueError("counts must lie between 0 and the group's respondents")
    respondents = counts[:, 0]
    hidden = ((counts > 0) & (counts < k)).any(axis=1)
    pooled = counts.sum(axis=0)
    if pooled[0] == 0:
        pooled_status = EMPTY
    elif ((pooled > 0) & (pooled < k)).any():
        pooled_status = SUPPRESSED
    else:
        pooled_status = SHOWN
    while pooled_status == SHOWN:
        together = counts[hidden].sum(axis=0)
        offended = (together > 0) & (together < k)
        if not offended.any():
            break
        mended = ((counts[:, offended] > 0).sum(axis=1)) * ~hidden
        candidates = np.flatnonzero(mended)
        hidden[min(candidates, key=lambda g: (-mended[g], respondents[g], names[g]))] = True
    statuses = {
        name: EMPTY if respondents[g] == 0 else SUPPRESSED if hidden[g] else SHOWN for g, name in enumerate(names)
    }
    return GroupVisibility(by_value_stream=statuses, pooled=pooled_status)
