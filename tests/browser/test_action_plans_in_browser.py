"""Action plans in a real browser, on the demo data of `make run`: a change manager marks a focus
theme on the earlier wave, takes a suggested practice as an action in one click, moves it on,
sees it on the radiator, and reads the focus theme's change in the gap on the next wave's page."""

import re

import pytest
from playwright.sync_api import expect

from dashboards.changes import wave_changes
from dashboards.templatetags.figures import p_value, signed
from surveys.demo import DEMO_EARLIER_WAVE_SLUG, DEMO_VALUE_STREAMS
from surveys.models import Wave
from surveys.releases import newest_release
from tests.browser.conftest import DESKTOP, requires_chromium
from tests.browser.test_dashboards_in_browser import log_in

pytestmark = requires_chromium

STREAM = DEMO_VALUE_STREAMS[2]
PRACTICE = "Reserve days or shared rooms for face-to-face work of Biz and IT"


@pytest.mark.django_db(transaction=True)
def test_a_focus_theme_becomes_actions_on_the_radiator_and_a_gap_change_on_the_next_wave(
    live_server, demo_wave, browser
):
    earlier = Wave.objects.get(slug=DEMO_EARLIER_WAVE_SLUG)
    stream = demo_wave.value_streams.get(name=STREAM)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    log_in(page, live_server.url)

    # 1. On the earlier wave's page of the value stream: Physical Harmony becomes a focus theme.
    page.goto(f"{live_server.url}/dashboard/waves/{earlier.slug}/streams/{stream.pk}/")
    plan = page.get_by_role("region", name="Action plan")
    expect(plan.get_by_text(PRACTICE)).to_have_count(0)  # suggestions come with a focus theme
    plan.get_by_role("button", name="Mark Physical Harmony as a focus theme").click()
    expect(plan.get_by_role("heading", name="Practices suggested for Physical Harmony")).to_be_visible()

    # 2. A suggested practice becomes an action in one click.
    # One button per suggestion, named with it for a screen reader ("Add as action: …").
    plan.get_by_role("button", name=re.compile(f"^Add as action\\W+{re.escape(PRACTICE)}$")).click()
    actions = plan.get_by_role("table", name=f"Actions of {STREAM} in this wave")
    row = actions.get_by_role("row").filter(has_text=PRACTICE)
    expect(row).to_contain_text("Physical Harmony")
    expect(row).to_contain_text("Planned")
    expect(plan.get_by_text("on the plan")).to_be_visible()

    # 3. Its status moves on, with an owner.
    row.get_by_role("link", name=f"Edit {PRACTICE}").click()
    expect(plan.get_by_role("heading", name="Change the action")).to_be_visible()
    plan.get_by_label("Owner").fill("Value stream lead")
    plan.get_by_label("Status").select_option(label="In progress")
    plan.get_by_role("button", name="Save the action").click()
    row = (
        plan.get_by_role("table", name=f"Actions of {STREAM} in this wave").get_by_role("row").filter(has_text=PRACTICE)
    )
    expect(row).to_contain_text("In progress")
    expect(row).to_contain_text("Value stream lead")

    # 4. The radiator of the value stream shows the plan, read-only, beside the newest figures.
    page.get_by_label("Label (where the screen hangs)").fill("Lobby")
    page.get_by_role("button", name="Create a radiator link").click()
    link = page.get_by_label("Link", exact=True).input_value()
    wall = browser.new_context(viewport={"width": 1920, "height": 1080})
    screen = wall.new_page()
    screen.goto(link)
    working_on = screen.get_by_role("region", name="What we are working on")
    expect(working_on.get_by_role("listitem").filter(has_text="Physical Harmony")).to_be_visible()
    expect(working_on).to_contain_text(PRACTICE)
    expect(working_on).to_contain_text("In progress")
    expect(working_on.get_by_role("button")).to_have_count(0)
    wall.close()

    # 5. The next wave's page of the value stream: the focus theme's gap then and now, with its test.
    page.goto(f"{live_server.url}/dashboard/waves/{demo_wave.slug}/streams/{stream.pk}/")
    change = wave_changes(demo_wave, newest_release(demo_wave)).gap_change(STREAM, "PH")
    assert change.shown  # the demo's groups are all large enough
    table = page.get_by_role("table", name=f"Gap (Biz − IT) of each focus theme in {earlier.title} and now")
    cells = table.get_by_role("row").filter(has_text="Physical Harmony")
    expect(cells).to_have_count(1)
    expected = [signed(change.previous), signed(change.current), signed(change.difference), p_value(change.p_holm)]
    texts = [text.replace("*", "").strip() for text in cells.locator("td").all_inner_texts()]
    assert texts == expected
    expect(table.get_by_role("row")).to_have_count(2)  # the header and the one focus theme
    context.close()
