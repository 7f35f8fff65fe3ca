"""Planning an export: count the wave, decide what may be written, and in which order.

`plan_export` reads the wave once in batches (the census), lets `anonymize` choose the
generalization and the suppressed records, and fixes the written responses in a random order.
`ExportPlan.record_batches` then reads them again, batch by batch, for the writers. Both passes
keep only two integers per response in memory; answers live one batch at a time.
"""

from dataclasses import dataclass

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext

from assessments.report import measure_presence, score_wave
from surveys.models import Release, Wave

from . import rows
from .anonymize import ANY, CHOICES, Census, anonymize
from .gather import (
    BATCH_SIZE,
    ROLE_CODES,
    SIDE_CODES,
    TENURE_CODES,
    cell_positions,
    census_batches,
    decode_cells,
    grid_size,
    release_structure,
    written_batches,
)
from .rows import LAYOUTS, WIDE


def final_release(wave):
    """The wave's final release, or None: the only release an export reads."""
    return wave.releases.filter(kind=Release.Kind.FINAL).first()


def not_exportable_reason(wave, now=None):
    """Why `wave` cannot be exported now, or None.

    Only the final release of a closed wave is exported. Interim releases are not: an export
    carries role and tenure beside the answers, and two exports of one wave would differ by the
    people who answered in between, in combinations of role and tenure far smaller than k.
    """
    if wave.availability(now) == "closed" and final_release(wave) is not None:
        return None
    if wave.status == Wave.Status.DRAFT:
        return gettext("This wave is a draft: there is nothing to export yet.")
    if wave.availability(now) == "closed":
        return gettext("Nobody answered this wave: there is nothing to export.")
    return gettext(
        "This wave still takes responses. Exports open when it closes: an export taken now and "
        "another taken later would differ by exactly the people who answered in between."
    )


@dataclass
class ExportPlan:
    """What an export of one wave writes: decided before the first byte, the same for every format."""

    structure: object  # assessments.gather.ReleaseStructure (of the final release)
    census: Census
    anonymization: object  # anonymize.Anonymization
    response_ids: np.ndarray  # the written responses, in the file's (random) order
    response_cells: np.ndarray  # their grid cells (gather.decode_cells)
    created_on: object  # the day of the plan: the codebook's date, never finer
    chosen: bool = False  # the generalization was the researcher's choice, not the ladder's

    @property
    def wave(self):
        return self.structure.wave

    @property
    def generalization(self):
        return self.anonymization.generalization

    def value_streams_absent(self):
        """Names of the wave's value streams with no record in the file (none answered, or all suppressed)."""
        written = np.zeros(len(self.census.value_stream_names), dtype=bool)
        written[self.census.value_stream[~self.anonymization.suppressed]] = True
        return [name for name, present in zip(self.census.value_stream_names, written, strict=True) if not present]

    def quasi_identifiers(self, cells):
        """Value stream name, side, role and tenure of grid cells, generalized as the plan says.

        Each as a `rows.CodedColumn`: the generalization is applied to the few codes, not to every row.
        """
        stream, side, role, tenure = cell_positions(cells)
        generalization = self.generalization
        names = self.census.value_stream_names
        return (
            rows.CodedColumn(stream, tuple(names) if generalization.value_stream != ANY else (ANY,) * len(names)),
            rows.CodedColumn(side, tuple(generalization.generalize_side(code) for code in SIDE_CODES)),
            rows.CodedColumn(role, tuple(generalization.generalize_role(code) for code in ROLE_CODES)),
            rows.CodedColumn(tenure, tuple(generalization.generalize_tenure(code) for code in TENURE_CODES)),
        )

    def record_batches(self, layout, batch_size=BATCH_SIZE, progress=None):
        """The file's rows as column batches (`rows.Columns`), reading `batch_size` responses at a time."""
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}")
        build = rows.wide_columns if layout == WIDE else rows.long_columns
        first_respondent = 1
        for batch in written_batches(self.structure, self.response_ids, self.response_cells, batch_size):
            yield build(self.structure.template, batch.data, self.quasi_identifiers(batch.cells), first_respondent)
            first_respondent += len(batch.response_ids)
            if progress:
                progress(len(batch.response_ids))


def measures_present(data):
    """Which published measures count each response of a batch (`assessments.report.measure_presence`)."""
    _, theme_matrix, dimension_matrix = score_wave(data)
    return measure_presence(data, theme_matrix, dimension_matrix)


@dataclass
class _Counted:
    structure: object
    census: Census
    present: np.ndarray  # the grid cell of each census cell
    response_ids: np.ndarray
    response_cells: np.ndarray


def plan_export(wave, batch_size=BATCH_SIZE, progress=None, rng=None, generalization=None):
    """Count `wave` and decide its export (see the module docstring).

    `progress`, if given, is called with the number of responses counted in each batch. `rng`
    (a numpy Generator) orders the rows; by default a fresh one from the operating system's
    entropy, so no two exports share an order and no order follows the time of answering.
    `generalization` (one of `anonymize.CHOICES`) is the researcher's choice; None: the ladder's.
    """
    counted = _count_wave(wave, batch_size, progress)
    census, present = counted.census, counted.present
    anonymization = anonymize(census, wave.anonymity_threshold, generalization=generalization)

    suppressed_cells = np.zeros(grid_size(counted.structure), dtype=bool)
    suppressed_cells[present[anonymization.suppressed]] = True
    written = ~suppressed_cells[counted.response_cells]
    order = (rng or np.random.default_rng()).permutation(int(written.sum()))
    return ExportPlan(
        structure=counted.structure,
        census=census,
        anonymization=anonymization,
        response_ids=counted.response_ids[written][order],
        response_cells=counted.response_cells[written][order],
        created_on=timezone.localdate(),
        chosen=generalization is not None,
    )


@dataclass(frozen=True)
class ChoicePreview:
    """What one generalization would write (`preview_choices`)."""

    generalization: object  # anonymize.Generalization
    records_written: int
    records_suppressed: int
    automatic: bool  # the one the ladder picks when the researcher chooses nothing


def preview_choices(wave, batch_size=BATCH_SIZE):
    """Every generalization a researcher may choose, with the rows it keeps and leaves out, counting the wave once.

    Reads only the census (counts per cell), never an answer into the result: the same figures the
    codebook of that choice would print.
    """
    census = _count_wave(wave, batch_size).census
    k = wave.anonymity_threshold
    automatic = anonymize(census, k).generalization
    previews = []
    for choice in CHOICES:
        result = anonymize(census, k, generalization=choice)
        previews.append(ChoicePreview(choice, result.records_written, result.records_suppressed, choice == automatic))
    return previews


def _count_wave(wave, batch_size=BATCH_SIZE, progress=None):
    """The census of the wave's final release, and each response's id and grid cell."""
    release = final_release(wave)
    if release is None:
        raise ValueError(f'The wave "{wave}" has no final release: {not_exportable_reason(wave)}')
    structure = release_structure(wave, release)
    template = structure.template
    n_measures = 1 + len(template.item_codes) + len(template.theme_codes) + len(template.dimension_codes)
    counted = np.zeros((grid_size(structure), n_measures), dtype=np.int64)
    response_ids, response_cells = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for batch in census_batches(structure, batch_size):
        np.add.at(counted, batch.cells, measures_present(batch.data).astype(np.int64))
        response_ids.append(batch.response_ids)
        response_cells.append(batch.cells)
        if progress:
            progress(len(batch.response_ids))
    response_ids, response_cells = np.concatenate(response_ids), np.concatenate(response_cells)

    present = np.flatnonzero(counted[:, 0])
    stream, side, role, tenure = decode_cells(present)
    census = Census(
        value_stream_names=tuple(template.value_stream_names),
        value_stream=stream,
        side=side,
        role=role,
        tenure=tenure,
        records=counted[present, 0],
        counted=counted[present],
    )
    return _Counted(structure, census, present, response_ids, response_cells)
