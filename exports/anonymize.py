"""k-anonymity for researcher exports: pure functions over counts, no database.

Words used here:

- A *record* is one response. Its *quasi-identifiers* are what a colleague might know about a
  respondent: value stream, side, role family and tenure band.
- A *cell* is one combination of quasi-identifiers as collected, with its number of records.
- A *generalization* coarsens role and tenure the same way for the whole file (so a column keeps
  one meaning): tenure into wider bands or "any", role into "any". The automatic choice (`LADDER`)
  never generalizes value stream and side: they are what the survey compares. A researcher may
  choose any generalization of `CHOICES` instead, which may also pool the value streams (every
  record reads "any") or drop the side, to keep role or tenure as collected.
- A *group* is the cells that look alike after generalization. The export is k-anonymous when
  every group it contains holds at least k records.

How a file is made safe (`anonymize`):

1. For every generalization on the ladder, in order of information lost, suppress the records
   of every group with fewer than k records, then apply the differencing guard (below).
2. Take the first generalization that suppresses at most `MAX_SUPPRESSED_SHARE` of the records;
   if none does, the one that suppresses fewest (the least generalized on a tie).

With a generalization chosen by the researcher, step 1 is done for that one alone.

The groups the report hides. The assessment report, the dashboards and every other table hide,
per side, the same value streams for every measure (`assessments.report.disclosure`); those
value streams and sides are never exported, whatever their size, so the file hides the same
groups as every table. Their records are suppressed before anything else, cell by cell: a
group that pools value streams or sides may hold cells of a hidden value stream and side and
others; it is formed, and counted, without the hidden ones.

The differencing guard. The report publishes, per side and per measure (respondents, each item,
each theme, each dimension), one cell per value stream and a pooled cell. Subtracting the
exported rows from a published cell would reveal the suppressed records in it. So within every
value stream and side the report shows, for every measure, the suppressed records counted in
that measure are none or at least k. While that fails, the smallest group still exported with
records of that value stream and side is suppressed as well; one more group usually suffices,
since it holds at least k records, and at the latest the whole value stream and side goes (it
holds none or at least k in every measure, or the report would hide it). A group that pools value
streams or sides may take records of others with it; the guard then looks again at every value
stream and side, and ends because each round suppresses one more group. The guard is about the
census, which always knows each record's value stream and side, so it holds whatever the file
pools. Any other published figure — the pooled
cells, a dimension over themes — is a sum of these and of the hidden groups (none or at least k
in every measure, by the report's own rules), so it too hides either nobody or at least k people.
"""

from dataclasses import dataclass

import numpy as np

from assessments.report import SIDES, disclose

AS_COLLECTED = "as collected"
WIDE_BANDS = "wide bands"
ANY = "any"
NOT_GIVEN = ""  # role or tenure left empty by the respondent: a category of its own

# Tenure bands as collected (surveys.models.TenureBand) into wider bands.
TENURE_WIDE_BANDS = {
    NOT_GIVEN: NOT_GIVEN,
    "lt1": "lt3",
    "1-3": "lt3",
    "3-5": "3-10",
    "5-10": "3-10",
    "10+": "10+",
}
TENURE_WIDE_BAND_LABELS = {
    "lt3": "Less than 3 years",
    "3-10": "3 to 10 years",
    "10+": "More than 10 years",
}

# The share of records the least generalized level may suppress before a coarser one is tried.
# 5 % is a common ceiling in statistical disclosure control: a few records lost is a smaller
# harm to an analysis than a whole column coarsened.
MAX_SUPPRESSED_SHARE = 0.05


@dataclass(frozen=True)
class Generalization:
    """How value stream, side, role and tenure are written for every record of the file."""

    name: str
    role: str  # AS_COLLECTED or ANY
    tenure: str  # AS_COLLECTED, WIDE_BANDS or ANY
    description: str
    value_stream: str = AS_COLLECTED  # AS_COLLECTED or ANY (pooled)
    side: str = AS_COLLECTED  # AS_COLLECTED or ANY (dropped)

    def generalize_value_stream(self, stream):
        """A value stream's index, or −1 for every record when the value streams are pooled."""
        return -1 if self.value_stream == ANY else stream

    def generalize_side(self, side):
        return ANY if self.side == ANY else side

    def generalize_role(self, role):
        return ANY if self.role == ANY else role

    def generalize_tenure(self, tenure):
        if self.tenure == ANY:
            return ANY
        if self.tenure == WIDE_BANDS:
            return TENURE_WIDE_BANDS[tenure]
        return tenure


LADDER = (
    Generalization("none", AS_COLLECTED, AS_COLLECTED, "Role family and tenure band as collected."),
    Generalization("tenure_wide", AS_COLLECTED, WIDE_BANDS, "Tenure in wider bands (under 3, 3 to 10, over 10 years)."),
    Generalization("role_any", ANY, AS_COLLECTED, 'Role family replaced by "any"; tenure band as collected.'),
    Generalization("role_any_tenure_wide", ANY, WIDE_BANDS, 'Role family replaced by "any"; tenure in wider bands.'),
    Generalization("role_any_tenure_any", ANY, ANY, 'Role family and tenure both replaced by "any".'),
)


def _with(rung, value_stream, side):
    """`rung` of the ladder, with the value streams pooled and/or the side dropped."""
    if value_stream == AS_COLLECTED and side == AS_COLLECTED:
        return rung
    suffix = ("_streams_pooled" if value_stream == ANY else "") + ("_side_dropped" if side == ANY else "")
    notes = ("Value streams pooled. " if value_stream == ANY else "") + ("Side dropped. " if side == ANY else "")
    return Generalization(rung.name + suffix, rung.role, rung.tenure, notes + rung.description, value_stream, side)


# Every generalization a researcher may choose: the ladder's, then each with the value streams
# pooled, with the side dropped, and with both.
CHOICES = tuple(
    _with(rung, value_stream, side)
    for value_stream, side in ((AS_COLLECTED, AS_COLLECTED), (ANY, AS_COLLECTED), (AS_COLLECTED, ANY), (ANY, ANY))
    for rung in LADDER
)
CHOICES_BY_NAME = {choice.name: choice for choice in CHOICES}


@dataclass(frozen=True)
class Census:
    """How many records each cell holds, and how many of them each published measure counts.

    value_stream_names : the value streams in the report's order (names break ties there).
    value_stream : int array (cells,), index into value_stream_names.
    side : array (cells,) of "biz" / "it".
    role, tenure : arrays (cells,) of codes as collected; NOT_GIVEN when left empty.
    records : int array (cells,).
    counted : int array (cells, measures). Column j: the cell's records that measure j counts
        (respondents: all of them; an item: answered or "not applicable"; a theme or dimension:
        those with a score). Column 0 is conventionally the respondents.
    """

    value_stream_names: tuple
    value_stream: np.ndarray
    side: np.ndarray
    role: np.ndarray
    tenure: np.ndarray
    records: np.ndarray
    counted: np.ndarray

    def __len__(self):
        return len(self.records)

    @property
    def total(self):
        return int(self.records.sum())


@dataclass(frozen=True)
class Anonymization:
    """The outcome: which generalization, and which cells are suppressed (all their records)."""

    k: int
    generalization: Generalization
    suppressed: np.ndarray  # bool per cell of the census
    records_total: int
    records_suppressed: int

    @property
    def records_written(self):
        return self.records_total - self.records_suppressed


def groups(census, generalization):
    """The group index of every cell, and the key (value stream, side, role, tenure) of every group."""
    keys = {}
    index = np.empty(len(census), dtype=np.int64)
    # A loop over cells, not records: a wave has at most a few hundred cells.
    for cell, key in enumerate(
        zip(
            [generalization.generalize_value_stream(stream) for stream in census.value_stream.tolist()],
            [generalization.generalize_side(side) for side in census.side.tolist()],
            [generalization.generalize_role(role) for role in census.role.tolist()],
            [generalization.generalize_tenure(tenure) for tenure in census.tenure.tolist()],
            strict=True,
        )
    ):
        index[cell] = keys.setdefault(key, len(keys))
    return index, list(keys)


def suppress(census, generalization, k):
    """The cells whose records are suppressed at `generalization`: the report's hidden groups, groups
    under k, then the guard. Returns a bool array, one entry per cell."""
    group, group_keys = groups(census, generalization)
    hidden = hidden_in_report(census, k)
    # A group is counted without the hidden cells it may pool: they are never written.
    shown_records = np.where(hidden, 0, census.records)
    group_records = np.bincount(group, weights=shown_records, minlength=len(group_keys)).astype(np.int64)
    suppressed_groups = group_records < k  # an empty group is "suppressed" too: it has nothing to write
    _guard_differences(census, group, group_keys, group_records, suppressed_groups, hidden, k)
    return hidden | suppressed_groups[group]


def hidden_in_report(census, k):
    """Which cells lie in a value stream and side the report hides: a bool per cell.

    The same decision as the report's: `assessments.report.disclose` over the census's counts per
    value stream, side and measure, which are the report's own counts of the same responses.
    """
    names = list(census.value_stream_names)
    counts = np.zeros((len(names), len(SIDES), census.counted.shape[1]), dtype=np.int64)
    side_index = np.array([SIDES.index(side) for side in census.side.tolist()], dtype=np.int64)
    np.add.at(counts, (census.value_stream, side_index), census.counted)
    decision = disclose(names, counts, k)
    hidden_streams = {side: set(decision.by_side[side].hidden) for side in SIDES}
    return np.array(
        [
            names[stream] in hidden_streams[side]
            for stream, side in zip(census.value_stream.tolist(), census.side.tolist(), strict=True)
        ],
        dtype=bool,
    )


def anonymize(census, k, max_suppressed_share=MAX_SUPPRESSED_SHARE, generalization=None):
    """Choose the generalization and the suppressed cells for a k-anonymous export (module docstring).

    Parameters
    ----------
    census : Census
    k : int
        The wave's anonymity threshold (≥ 1).
    max_suppressed_share : float
        The share of records a level may suppress and still be chosen before coarser ones.
    generalization : Generalization, optional
        The researcher's choice (one of `CHOICES`): only it is tried. None: the ladder decides.

    Returns
    -------
    Anonymization
        Every group of unsuppressed records, at the chosen generalization, holds at least k
        records, and the differencing guard holds for every side and measure.
    """
    if k < 1:
        raise ValueError(f"the anonymity threshold must be at least 1, not {k}")
    total = census.total
    outcomes = []
    for candidate in LADDER if generalization is None else (generalization,):
        suppressed = suppress(census, candidate, k)
        outcomes.append((int(census.records[suppressed].sum()), candidate, suppressed))
    acceptable = [outcome for outcome in outcomes if outcome[0] <= max_suppressed_share * total]
    # min() keeps the first of equal counts: the least generalized level.
    lost, generalization, suppressed = acceptable[0] if acceptable else min(outcomes, key=lambda outcome: outcome[0])
    return Anonymization(
        k=k,
        generalization=generalization,
        suppressed=suppressed,
        records_total=total,
        records_suppressed=lost,
    )


def _per_value_stream(census, cells, n_streams):
    """Sums of `census.counted` over the given cells, per value stream: (value streams, measures)."""
    sums = np.zeros((n_streams, census.counted.shape[1]), dtype=np.int64)
    np.add.at(sums, census.value_stream[cells], census.counted[cells])
    return sums


def _guard_differences(census, group, group_keys, group_records, suppressed_groups, hidden_cells, k):
    """Suppress more groups until no value stream and side that the report shows loses fewer than k
    records in any measure (see the module docstring). `hidden_cells`: `hidden_in_report`.
    Updates `suppressed_groups` in place."""
    n_streams = len(census.value_stream_names)
    while True:
        offended = None
        for side in SIDES:
            in_side = census.side == side
            # Only the value streams the report shows: a hidden one is wholly suppressed already.
            lost = _per_value_stream(census, in_side & ~hidden_cells & suppressed_groups[group], n_streams)
            streams = np.argwhere((lost > 0) & (lost < k))
            if len(streams):
                offended = in_side & (census.value_stream == streams[0][0])
                break
        if offended is None:
            return
        # The groups still written that hold records of the offended value stream and side.
        candidates = np.unique(group[offended & ~hidden_cells & ~suppressed_groups[group]])
        if not len(candidates):
            # Cannot happen (module docstring); refuse rather than write an unsafe file.
            raise RuntimeError("differencing guard found no group left to suppress")
        smallest = min(candidates.tolist(), key=lambda g: (group_records[g], group_keys[g]))
        suppressed_groups[smallest] = True
