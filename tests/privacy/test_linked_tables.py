"""Attack 1, linked tables: subtracting one table from another must not give away a hidden group.

The attack as the issue found it: Biz of value stream S has 1 respondent, C 6, D 7 of whom 2
answer "not applicable" to every PCT item, E 20 (k = 5). The theme tables hid S and D (D has only
5 PCT scores), the item table hid S and C (C has 6 answers per item, D 7). D's theme sum follows
from its item counts, and the pooled PCT figure minus C, D and E was S's one respondent.
Now every table hides the same groups, and what the hidden groups hold together rests, in every
measure, on none or at least k people.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from surveys.models import ValueStream
from surveys.response_import import import_responses

from .journeys import change_manager, csv_rows, download

pytestmark = pytest.mark.django_db

K = 5
HEADER = "value_stream,side,PCT1,PCT2,PCT3,SPS1,SPS2,SPS3,SPS4,DH1,DH2"
ITEMS = HEADER.split(",")[2:]


def rows(stream, side, n, pct=("4", "3", "2")):
    return [",".join([stream, side, *pct, "3", "4", "3", "4", "3", "4"]) for _ in range(n)]


@pytest.fixture
def linked_wave(instrument):
    lines = [*rows("S", "biz", 1, pct=("1", "1", "5"))]  # the lone respondent, who disagrees
    lines += rows("C", "biz", 6) + rows("D", "biz", 5) + rows("D", "biz", 2, pct=("NA", "NA", "NA"))
    lines += rows("E", "biz", 20)
    lines += [line for stream in "SCDE" for line in rows(stream, "it", 8)]
    text = "\n".join([HEADER, *lines]) + "\n"
    return import_responses(
        text, survey="linked", instrument=instrument, organization_name="Linked Bank", threshold=K
    ).wave


def hidden_biz_streams(table, status_column, stream_column="value_stream"):
    return {row[stream_column] for row in table if row[status_column] == "suppressed"} - {"all value streams"}


def test_every_table_hides_the_same_biz_groups_and_none_can_be_subtracted_down_to_one(linked_wave):
    manager = change_manager(linked_wave.organization)
    streams = {vs.name: vs for vs in ValueStream.objects.filter(organization=linked_wave.organization)}
    slug = linked_wave.slug

    themes, dimensions, items = [], [], []
    for level, table in (("theme", themes), ("dimension", dimensions)):
        status, content = download(manager, "dashboards:pooled_gaps_csv", slug, query=f"?level={level}")
        assert status == 200
        table += csv_rows(content)
        for vs in streams.values():
            table += csv_rows(download(manager, "dashboards:gaps_csv", slug, vs.pk, query=f"?level={level}")[1])
    heatmap = csv_rows(download(manager, "dashboards:heatmap_csv", slug)[1])
    items += csv_rows(download(manager, "dashboards:items_csv", slug)[1])
    for vs in streams.values():
        items += csv_rows(download(manager, "dashboards:items_csv", slug, query=f"?value_stream={vs.pk}")[1])
    out = StringIO()
    call_command("assess", slug, "--json", stdout=out)
    report = json.loads(out.getvalue())

    # One decision: the same Biz groups are hidden in every table — S, and C to cover it.
    biz_items = [row for row in items if row["side"] == "biz"]
    hidden = {
        "themes": hidden_biz_streams(themes, "biz_status"),
        "dimensions": hidden_biz_streams(dimensions, "biz_status"),
        "heatmap": hidden_biz_streams(heatmap, "biz_status"),
        "items": hidden_biz_streams(biz_items, "status"),
        "assess": {row["value_stream"] for row in report["comparisons"] if row["biz_status"] == "suppressed"} - {None},
    }
    assert all(found == {"S", "C"} for found in hidden.values()), hidden

    # As the attacker: pooled minus every shown group, per measure. What is left is the hidden
    # groups together, and it rests on none or at least k people — never on S's one respondent.
    for table in (themes, dimensions):
        for code in {row["code"] for row in table}:
            measure = [row for row in table if row["code"] == code]
            pooled = next(int(row["biz_n"]) for row in measure if row["value_stream"] == "all value streams")
            shown = sum(
                int(row["biz_n"])
                for row in measure
                if row["biz_status"] == "shown" and row["value_stream"] != "all value streams"
            )
            assert pooled - shown == 0 or pooled - shown >= K, (code, pooled - shown)
    for code in ITEMS:
        answered = [row for row in biz_items if row["item"] == code and row["status"] == "shown"]

        def people(row):
            return sum(int(row[f"n_{point}"]) for point in range(1, 6)) + int(row["n_not_applicable"])

        pooled = next(people(row) for row in answered if row["value_stream"] == "all value streams")
        shown = sum(people(row) for row in answered if row["value_stream"] != "all value streams")
        assert pooled - shown >= K, (code, pooled - shown)

    # And the lone respondent's "1, 1, 5" is in no shown cell of any table.
    assert not [row for row in biz_items if row["value_stream"] == "S" and row["status"] != "suppressed"]
