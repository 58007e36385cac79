"""The Zendo board in a real headless browser (Debian's chromium, driven by Playwright) against
a real server process: a whole game in each role, clicking pieces and buttons by their
accessible names, with reloads and a server restart in the middle."""

from __future__ import annotations

import re

import pytest

from rulelang.equivalence import equivalent
from rulelang.parser import parse
from rulelang.reference import evaluate
from web_fixtures import *  # noqa: F401,F403 - the server, its client, the browser

expect = pytest.importorskip("playwright.sync_api").expect
expect.set_options(timeout=60_000)  # a shared machine: a move may wait for other work

SECRET = "at_least 1 red touching blue"
WORDS = {"A": "red pyramid pointing_up", "V": "red pyramid pointing_down", "B": "red block",
         "a": "blue pyramid pointing_up", "v": "blue pyramid pointing_down", "b": "blue block"}


@pytest.fixture()
def page(browser, server):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _open(page, server.url)
    yield page
    context.close()
    assert not errors, errors  # no script error on the page


def _open(page, url: str) -> None:
    page.goto(url + "/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def _status(page):
    return page.get_by_role("status", name="game status")


def _button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def _build(page, scene: str) -> None:
    """Put ``scene`` on the board by clicking pieces of the palette, then cells."""
    page.get_by_role("button", name="Clear the scene").click()
    for i, glyph in enumerate(scene):
        if glyph != ".":
            _button(page, WORDS[glyph]).click()
            page.get_by_role("button", name=f"cell {i + 1}: empty").click()
    expect(page.get_by_label("scene text")).to_have_text(scene)


def _history(page) -> list[tuple[str, str]]:
    """The scenes on screen, oldest first, each with the colour of its stone."""
    items = page.locator("#history li")
    out = []
    for i in range(items.count()):
        li = items.nth(i)
        stone = li.locator("circle.stone").get_attribute("class").split()[-1]
        out.append((li.locator("g.scene").get_attribute("data-scene"), stone))
    return out[::-1]


def test_a_whole_master_game_with_a_reload_a_restart_and_a_wrong_guess(page, server):
    page.get_by_label("The machine's rule (empty: a random one)").fill(SECRET)
    page.get_by_role("button", name="Start the game").click()
    expect(page.get_by_role("heading", name="You guess the machine's rule")).to_be_visible()
    expect(page.locator("#history li")).to_have_count(2)  # the simplest true and false scenes
    assert sorted(stone for _, stone in _history(page)) == ["black", "white"]

    _build(page, "Ab....")
    page.get_by_role("button", name="Label this scene").click()
    expect(_status(page)).to_have_text("Ab.... is true: a white stone.")
    assert _history(page)[-1] == ("Ab....", "white")

    page.reload()  # in the middle of the game: everything is still there
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#history li")).to_have_count(3)
    expect(page.get_by_label("scene text")).to_have_text("Ab....")  # the scene being built too

    _button(page, "blue block").click()
    page.get_by_role("button", name="cell 2: blue block").click()  # the same piece again: empty
    page.get_by_role("button", name="cell 3: empty").click()
    expect(page.get_by_label("scene text")).to_have_text("A.b...")
    page.get_by_role("button", name="Label this scene").click()
    expect(_status(page)).to_have_text("A.b... is false: a black stone.")

    server.restart(kill=True)  # the server dies and comes back (on another port)
    _open(page, server.url)
    assert _history(page)[-2:] == [("Ab....", "white"), ("A.b...", "black")]

    page.get_by_label("Your guess").fill("at_least 1 redd")  # not a rule: the game goes on
    page.get_by_role("button", name="Guess the rule").click()
    expect(page.get_by_role("alert")).to_contain_text("did you mean 'red'?")
    page.get_by_label("Your guess").fill("at_least 1 red")
    page.get_by_role("button", name="Guess the rule").click()
    counter = equivalent(parse("at_least 1 red"), parse(SECRET)).counterexample
    expect(_status(page)).to_have_text(
        f"No. Counterexample: {counter} is false under my rule (yours says true).")
    expect(page.get_by_role("alert")).to_be_hidden()
    drawn = page.locator("#moves li").first
    expect(drawn).to_contain_text(f"at_least 1 red: wrong — {counter} is false")
    expect(drawn.locator(f'g.scene[data-scene="{counter}"] rect.contradiction')).to_have_count(1)
    assert _history(page)[-1] == (counter, "black")

    page.get_by_label("Your guess").fill("at_least 1 blue touching red")
    page.get_by_role("button", name="Guess the rule").click()
    expect(_status(page)).to_have_text(
        f"Correct! The rule is: {SECRET} (2 scenes, 2 guesses).")
    expect(page.get_by_role("button", name="Label this scene")).to_be_hidden()
    expect(page.locator("#ending-picture svg")).to_have_count(1)  # the rule's own examples


def test_a_whole_student_game_with_a_reload(page, server):
    page.get_by_label("I hide a rule; the machine guesses it").check()
    page.get_by_label("The machine plays as").select_option("search")
    page.get_by_role("button", name="Start the game").click()
    expect(page.get_by_role("heading", name="The machine (the exact search) guesses your rule")).to_be_visible()
    rule = parse(SECRET)
    left = []
    for n in range(1, 40):
        status = _status(page)
        expect(status).to_have_text(re.compile(rf"^(Question {n}:|I think the rule is)"))
        if "I think" in status.text_content():
            break
        remaining = page.locator("#remaining").text_content()
        left.append(int(remaining.split()[0].replace(",", "")))
        scene = page.locator("#question-picture g.scene").get_attribute("data-scene")
        assert f"does {scene} follow your rule" in status.text_content()
        if n == 4:  # reload in the middle: the same question, the same version space
            page.reload()
            expect(page.locator("body")).to_have_attribute("data-ready", "true")
            expect(_status(page)).to_have_text(re.compile(rf"^Question {n}: does {re.escape(scene)}"))
        name = "True (white stone)" if evaluate(rule, scene) else "False (black stone)"
        page.get_by_role("button", name=name).click()
    assert left[0] == 11618 and all(a > b for a, b in zip(left, left[1:]))
    expect(page.locator("#progress li")).to_have_count(len(left))
    guess = page.locator("#student-rule").text_content()
    assert equivalent(parse(guess), rule).equivalent

    # A "counterexample" that is not one is refused, and the guess stays on the table.
    page.get_by_role("button", name="No, here is a counterexample").click()
    _build(page, "Ab....")
    page.get_by_role("button", name="It is true under my rule").click()
    expect(page.get_by_role("alert")).to_contain_text("not a counterexample")
    expect(page.locator("#student-rule")).to_have_text(guess)

    page.get_by_role("button", name="Yes, that is my rule").click()
    expect(_status(page)).to_have_text(
        f"Solved: the machine named your rule, {guess}, after {len(left)} scenes.")
    assert len(_history(page)) == len(left)


def test_two_browser_sessions_play_side_by_side(browser, server):
    one, two = browser.new_context(), browser.new_context()
    try:
        a, b = one.new_page(), two.new_page()
        _open(a, server.url)
        _open(b, server.url)
        a.get_by_label("The machine's rule (empty: a random one)").fill("zero red")
        a.get_by_role("button", name="Start the game").click()
        b.get_by_label("I hide a rule; the machine guesses it").check()
        b.get_by_role("button", name="Start the game").click()
        expect(_status(b)).to_have_text(re.compile("^Question 1:"))
        _build(a, "B.....")
        a.get_by_role("button", name="Label this scene").click()
        expect(_status(a)).to_have_text("B..... is false: a black stone.")
        b.get_by_role("button", name="True (white stone)").click()
        expect(_status(b)).to_have_text(re.compile("^Question 2:"))
        for p in (a, b):
            p.reload()
            expect(p.locator("body")).to_have_attribute("data-ready", "true")
        expect(a.get_by_role("heading", name="You guess the machine's rule")).to_be_visible()
        expect(a.locator("#history li")).to_have_count(3)
        expect(_status(b)).to_have_text(re.compile("^Question 2:"))
        expect(b.locator("#history li")).to_have_count(1)
    finally:
        one.close()
        two.close()
