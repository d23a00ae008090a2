"""End to end: the real server, headless Chromium, a question, its cited answer, a source
card opened, and the find-passages mode. Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.streamlit_server import (CHROMIUM, IDLE, MESSAGE, SCREENSHOTS, StreamlitServer, launch, open_app,
                                    press_question, server_env, wait_for_answer)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is missing: apt-get install chromium chromium-driver")


@pytest.fixture
def server(paper_index_copy, tmp_path):
    settings = paper_index_copy
    env = server_env(settings.corpus_dir, settings.index_dir, settings.cache_dir)
    with StreamlitServer(env, tmp_path / "streamlit.log") as url:
        yield url


def test_ask_see_cited_answer_open_card_and_find_passages(server):
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = open_app(browser, server)
            expect(page.get_by_role("button", name="When was BUILD established?")).to_be_visible()

            before = press_question(page, "When was BUILD established?")
            answer = wait_for_answer(page, before)
            expect(page.locator(MESSAGE).nth(before)).to_contain_text("When was BUILD established?")
            expect(answer).to_contain_text("established in 1992")
            expect(answer).to_contain_text("[1]")
            expect(answer.locator('[data-testid="stCode"]').last).to_contain_text(
                "Pham, Ohno & Tran (2019), The East Asian Industrial Policy Experiences: Implications for Vietnam, "
                "section 4.2")
            # the quote is bold inside its passage
            expect(answer.locator("strong", has_text="established in 1992 within BOI").first).to_be_visible()

            answer.locator('[data-testid="stExpander"] summary').first.click()
            details = answer.locator('[data-testid="stExpanderDetails"]').first
            expect(details).to_contain_text("Malaysia subsequently dropped this policy")  # text before the quote
            expect(details.locator('[data-testid="stCode"]')).to_contain_text("“For promoting FDI-local firm linkage")
            page.wait_for_timeout(400)  # the expander animates open
            # The main area scrolls inside the page: a tall window shows the whole answer.
            page.set_viewport_size({"width": 1100, "height": 1700})
            page.screenshot(path=str(SCREENSHOTS / "answer_with_source_card.png"), full_page=True)

            # a follow-up says how it was understood
            before = press_question(page, "And what about Malaysia?")
            follow_up = wait_for_answer(page, before)
            expect(follow_up).to_contain_text("Understood as:")

            # a second browser session has a chat of its own
            other = open_app(browser, server)
            expect(other.locator(MESSAGE)).to_have_count(0)
            wait_for_answer(other, press_question(other, "What is kaizen?"))
            expect(other.locator(MESSAGE)).to_have_count(2)
            expect(page.locator(MESSAGE)).to_have_count(4)
            other.close()

            # phone width: the same conversation, cards stacked
            page.set_viewport_size({"width": 390, "height": 844})
            page.wait_for_timeout(300)
            page.screenshot(path=str(SCREENSHOTS / "answer_phone_width.png"), full_page=True)
            page.set_viewport_size({"width": 1100, "height": 1700})

            page.locator('[data-testid="stButtonGroup"]').get_by_text("Find passages").click()
            page.wait_for_selector('[data-testid="stTextInput"] input')
            query = page.locator('[data-testid="stTextInput"] input')
            query.fill("supporting industries and FDI linkage")
            query.press("Enter")
            cards = page.locator('[data-testid="stMain"] [data-testid="stCode"]')
            expect(cards.first).to_contain_text("Pham, Ohno & Tran (2019)")
            page.wait_for_selector(IDLE)
            expect(page.locator(MESSAGE)).to_have_count(0)
            expect(page.get_by_text("passages, best match first")).to_be_visible()
            page.screenshot(path=str(SCREENSHOTS / "find_passages.png"), full_page=True)
        finally:
            browser.close()
    for name in ("answer_with_source_card.png", "find_passages.png", "answer_phone_width.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000


def test_table_answers_draw_their_charts(server):
    """A trend draws a line and a comparison bars; the figures the answer states are the
    figures the chart was given (its "Figures charted" table and its text alternative)."""
    import re

    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    questions = {
        "trend": "How did Thailand's share of manufactured goods in total exports evolve from 1985 to 2015?",
        "comparison": "Compare Vietnam, Thailand and Korea on manufacturing value added relative to GDP in 2010",
    }
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = open_app(browser, server, height=1500)
            for kind, question in questions.items():
                answer = wait_for_answer(page, press_question(page, question))
                chart = answer.locator('[data-testid="stVegaLiteChart"]')
                expect(chart).to_be_visible()
                expect(chart.locator("canvas, svg").first).to_be_visible()
                text = answer.locator('[data-testid="stMarkdownContainer"]').first.inner_text()
                stated = sorted(re.findall(r"(?<![\d.])\d+\.\d\d(?!\d)", text.split(" The text says")[0]))
                answer.locator('[data-testid="stExpander"] summary', has_text="Figures charted").click()
                table = answer.locator('[data-testid="stTable"]')
                expect(table).to_be_visible()
                charted = sorted(re.findall(r"(?<![\d.])\d+\.\d\d(?!\d)", table.inner_text()))
                assert charted == stated and len(stated) >= 3
                expect(answer.get_by_text("Source: [1")).to_be_visible()
                page.set_viewport_size({"width": 1100, "height": 2600})  # the main area scrolls inside
                answer.scroll_into_view_if_needed()
                page.wait_for_timeout(600)  # the chart draws, the expander animates open
                answer.screenshot(path=str(SCREENSHOTS / f"table_{kind}_chart.png"))
        finally:
            browser.close()
    for kind in questions:
        assert (SCREENSHOTS / f"table_{kind}_chart.png").stat().st_size > 10_000
