"""The Zendo board's HTTP API, on a real server process bound to 127.0.0.1 (no browser)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulelang.cli import build_parser
from rulelang.equivalence import equivalent
from rulelang.parser import parse
from rulelang.reference import evaluate
from web_fixtures import *  # noqa: F401,F403 - the server and its client

SECRET = "at_least 1 red touching blue"


def _master(client: Client, secret: str = SECRET) -> dict:
    return client.post("/api/games", {"role": "master", "secret": secret}, expect=201)


def _answer_until_guess(client: Client, view: dict, secret: str = SECRET) -> dict:
    rule = parse(secret)
    while view["pending"]["kind"] == "ask":
        scene = view["pending"]["scene"]
        view = client.post(f"/api/games/{view['id']}/answer", {"label": evaluate(rule, scene)})
    return view


def _listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on ``port`` (from /proc/net/tcp{,6})."""
    found = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(name).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.rsplit(":", 1)
            if int(hexport, 16) == port and state == "0A":  # 0A: LISTEN
                found.add(addr)
    return found


def test_the_default_bind_is_the_loopback(server):
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    assert host == "127.0.0.1"  # the server was started without --host
    assert _listening_addresses(int(port)) == {"0100007F"}  # 127.0.0.1, and nothing else


def test_only_loopback_host_names_are_answered(server):
    client = Client(server.url)
    status, _ = client.request("GET", "/api/universe", headers={"Host": "evil.example"})
    assert status == 400  # no DNS rebinding: a page of another name cannot reach the board
    assert client.request("GET", "/api/universe", headers={"Host": "localhost"})[0] == 200


def test_the_palette_is_the_universes_pieces_drawn_by_the_renderer(server):
    from rulelang.render import piece_svg
    from rulelang.universe import ODEEN

    pal = Client(server.url).get("/api/universe")
    assert pal["length"] == 6 and pal["empty"] == "."
    assert {p["glyph"]: p["svg"] for p in pal["pieces"]} == {g: piece_svg(g, cell=40) for g in ODEEN.pieces}
    assert {p["words"] for p in pal["pieces"]} >= {"red pyramid pointing_up", "blue block"}


def test_a_master_game_labels_scenes_hides_the_rule_and_judges_guesses(server):
    client = Client(server.url)
    view = _master(client)
    gid, rule = view["id"], parse(SECRET)
    assert view["rule"] is None and SECRET not in json.dumps(view)  # the secret stays hidden
    assert [h["by"] for h in view["history"]] == ["example", "example"]
    assert {h["label"] for h in view["history"]} == {True, False}
    for scene in ("Ab....", "A.b...", "bbA..."):
        view = client.post(f"/api/games/{gid}/scene", {"scene": scene})
        assert view["log"][-1] == {"kind": "scene", "scene": scene, "label": evaluate(rule, scene)}
        assert view["history"][-1]["scene"] == scene and "stone" in view["history"][-1]["svg"]
    wrong = client.post(f"/api/games/{gid}/guess", {"rule": "at_least 1 red"})
    verdict = equivalent(parse("at_least 1 red"), rule)
    last = wrong["log"][-1]
    assert last["correct"] is False and last["counterexample"] == verdict.counterexample
    assert last["truth"] == evaluate(rule, verdict.counterexample)
    assert 'class="contradiction"' in last["svg"]  # the guess's label is framed as wrong
    assert wrong["history"][-1] == {**wrong["history"][-1], "scene": verdict.counterexample, "by": "counterexample"}
    assert not wrong["over"] and wrong["rule"] is None
    done = client.post(f"/api/games/{gid}/guess", {"rule": "at_least 1 blue touching red"})
    assert done["outcome"] == "solved" and done["rule"] == SECRET and done["rule_svg"]
    assert (done["asked"], done["guesses"]) == (3, 2)
    status, err = client.request("POST", f"/api/games/{gid}/scene", {"scene": "A....."})
    assert status == 409 and err["diagnostic"]["code"] == "E505"


def test_a_random_secret_is_seeded_hidden_and_revealed_on_request(server):
    a, b = Client(server.url), Client(server.url)
    ga = a.post("/api/games", {"role": "master", "seed": 7}, expect=201)
    assert ga["rule"] is None and ga["seed"] is None  # the seed would give the rule away
    ra = a.post(f"/api/games/{ga['id']}/reveal")
    rb = b.post(f"/api/games/{b.post('/api/games', {'role': 'master', 'seed': 7}, expect=201)['id']}/reveal")
    assert ra["outcome"] == "revealed" and ra["rule"] == rb["rule"] and ra["rule"] and ra["seed"] == 7


def test_the_exact_student_shrinks_its_version_space_and_names_the_rule(server):
    client = Client(server.url)
    view = client.post("/api/games", {"role": "student", "student": "search"}, expect=201)
    assert view["pending"]["kind"] == "ask" and view["pending"]["remaining"] == 11618
    view = _answer_until_guess(client, view)
    progress = view["progress"]
    assert progress[0] == 11618 and all(a > b for a, b in zip(progress, progress[1:]))
    assert len(progress) == view["asked"] <= 20
    guess = view["pending"]
    assert equivalent(parse(guess["rule"]), parse(SECRET)).equivalent and guess["svg"]
    # A "counterexample" where the guess agrees with the hidden rule is refused; the game goes on.
    scene = "Ab...."
    status, err = client.request("POST", f"/api/games/{view['id']}/verdict",
                                 {"correct": False, "scene": scene, "label": evaluate(parse(SECRET), scene)})
    assert status == 409 and "not a counterexample" in err["diagnostic"]["message"]
    assert client.get(f"/api/games/{view['id']}") == view
    done = client.post(f"/api/games/{view['id']}/verdict", {"correct": True})
    assert done["outcome"] == "solved" and done["rule"] == guess["rule"]


def test_a_wrong_guess_of_the_student_takes_a_counterexample(server):
    client = Client(server.url)
    view = client.post("/api/games", {"role": "student"}, expect=201)
    view = _answer_until_guess(client, view, "zero red")
    assert view["pending"]["rule"] == "zero red"
    # The person's rule was "zero red and not exactly 3 blue", outside the dialect: every
    # answer so far fits it, and bbb... is the counterexample.
    assert "bbb..." not in [h["scene"] for h in view["history"]]
    after = client.post(f"/api/games/{view['id']}/verdict", {"correct": False, "scene": "bbb...", "label": False})
    assert after["log"][-1] == {**after["log"][-1], "kind": "guess", "correct": False, "counterexample": "bbb..."}
    assert after["history"][-1] == {**after["history"][-1], "scene": "bbb...", "label": False, "by": "counterexample"}
    guess = after["pending"]  # no dialect rule fits: the student searched the full language
    assert guess["kind"] == "guess" and "no rule of the dialect fits" in guess["note"]
    assert evaluate(parse(guess["rule"]), "bbb...") is False
    assert client.post(f"/api/games/{view['id']}/verdict", {"correct": True})["outcome"] == "solved"


BAD = [
    # (what, body bytes, content type, status, code)
    ("malformed JSON", b'{"scene": ', "application/json", 400, "E901"),
    ("not an object", b'["A....."]', "application/json", 400, "E901"),
    ("not UTF-8", b'{"scene": "\xff"}', "application/json", 400, "E901"),
    ("a scene too short", b'{"scene": "A...."}', "application/json", 422, "E201"),
    ("a scene too long", b'{"scene": "A......"}', "application/json", 422, "E201"),
    ("an unknown glyph", b'{"scene": "A...Z."}', "application/json", 422, "E202"),
    ("a scene that is a number", b'{"scene": 12}', "application/json", 400, "E901"),
    ("no scene", b'{}', "application/json", 400, "E901"),
    ("an oversized body", b'{"scene": "' + b"A" * 100_000 + b'"}', "application/json", 413, "E902"),
    ("a form, not JSON", b"scene=A.....", "application/x-www-form-urlencoded", 415, "E901"),
    ("a lone surrogate", b'{"scene": "A....\\ud800"}', "application/json", 400, "E901"),
    ("JSON nested too deep", b'{"scene": ' + b"[" * 8000 + b"]" * 8000 + b"}", "application/json", 400, "E901"),
    ("a number of 5,000 digits", b'{"scene": ' + b"1" * 5000 + b"}", "application/json", 400, "E901"),
]


@pytest.mark.parametrize("what, body, ctype, status, code", BAD, ids=[b[0] for b in BAD])
def test_a_bad_scene_request_is_a_4xx_with_the_diagnostic_and_the_game_goes_on(server, what, body, ctype,
                                                                                  status, code):
    client = Client(server.url)
    view = _master(client)
    got, err = client.request("POST", f"/api/games/{view['id']}/scene", raw=body, headers={"Content-Type": ctype})
    assert (got, err["diagnostic"]["code"]) == (status, code), err
    assert err["text"].startswith(err["diagnostic"]["path"] or "rulelang") and err["diagnostic"]["message"]
    assert client.get(f"/api/games/{view['id']}") == view  # nothing changed
    assert client.post(f"/api/games/{view['id']}/scene", {"scene": "A....."})["asked"] == 1


def test_a_guess_that_does_not_parse_is_a_422_placed_in_the_guess(server):
    client = Client(server.url)
    view = _master(client)
    status, err = client.request("POST", f"/api/games/{view['id']}/guess", {"rule": "at_least 1 redd"})
    d = err["diagnostic"]
    assert status == 422 and (d["code"], d["path"], d["column"]) == ("E001", "<guess>", 12)
    assert "did you mean 'red'" in err["text"] and "^^^^" in err["text"]
    assert client.get(f"/api/games/{view['id']}")["guesses"] == 0  # not counted


@pytest.mark.parametrize("method, path, body, status, code", [
    ("GET", "/api/games/no-such-game", None, 404, "E903"),
    ("POST", "/api/games/no-such-game/scene", {"scene": "A....."}, 404, "E903"),
    ("POST", "/api/games", {"role": "judge"}, 400, "E901"),
    ("POST", "/api/games", {"role": "student", "student": "oracle"}, 400, "E901"),
    ("POST", "/api/games", {"role": "master", "secret": "at_least 9 red"}, 422, "E101"),
    ("POST", "/api/games", {"role": "master", "seed": -1}, 400, "E901"),
    ("POST", "/api/games", {"role": "master", "seed": "x"}, 400, "E901"),
    ("GET", "/api/nothing", None, 404, "E901"),
    ("DELETE", "/api/games", None, 405, "E901"),
])
def test_other_bad_requests_are_4xx_diagnostics(server, method, path, body, status, code):
    got, err = Client(server.url).request(method, path, body)
    assert (got, err["diagnostic"]["code"]) == (status, code), err


@pytest.mark.parametrize("field", ["rule", "secret"])
def test_a_lone_surrogate_is_refused_and_nothing_is_stored(server, field):
    """It used to pass the parser inside a comment, be stored, and break the game for good."""
    client = Client(server.url)
    text = "zero red  # \ud800"
    if field == "secret":
        status, err = client.request("POST", "/api/games", {"role": "master", "secret": text})
        assert status == 400 and "surrogate" in err["diagnostic"]["message"], err
        return
    view = _master(client)
    status, err = client.request("POST", f"/api/games/{view['id']}/guess", {"rule": text})
    assert status == 400 and "surrogate" in err["diagnostic"]["message"], err
    assert client.get(f"/api/games/{view['id']}") == view
    assert client.post(f"/api/games/{view['id']}/scene", {"scene": "A....."})["asked"] == 1


def test_a_board_on_another_loopback_address_answers_to_it(tmp_path):
    srv = Server(tmp_path / "games.sqlite", "--host", "127.0.0.2")
    url = srv.start()
    try:
        assert url.startswith("http://127.0.0.2:")
        client = Client(url)
        assert client.get("/api/session") == {"game": None}
        assert client.request("GET", "/api/universe", headers={"Host": "evil.example"})[0] == 400
    finally:
        srv.stop()


def test_a_session_whose_game_is_in_another_universe_has_no_game_here(tmp_path):
    """Two boards on one games file, each in its own universe: a browser session's game
    on one is not an error on the other."""
    db = tmp_path / "games.sqlite"
    odeen, eight = Server(db), Server(db, "--universe", "odeen-8")
    try:
        a = Client(odeen.start())
        game = _master(a)
        b = Client(eight.start())
        b.jar, b.opener = a.jar, a.opener  # the same browser (cookies are not kept per port)
        assert b.get("/api/session") == {"game": None}
        assert b.request("GET", f"/api/games/{game['id']}")[0] == 404
        assert a.get("/api/session")["game"]["id"] == game["id"]
    finally:
        odeen.stop()
        eight.stop()


def test_moves_out_of_turn_are_refused(server):
    client = Client(server.url)
    master = _master(client)
    student = client.post("/api/games", {"role": "student"}, expect=201)
    for gid, action, body in ((master["id"], "answer", {"label": True}), (student["id"], "guess", {"rule": "zero red"}),
                              (student["id"], "verdict", {"correct": True})):
        status, err = client.request("POST", f"/api/games/{gid}/{action}", body)
        assert 400 <= status < 500 and err["diagnostic"]["code"] in ("E901", "E505"), err
    assert client.get(f"/api/games/{student['id']}") == student


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(action=st.sampled_from(["scene", "guess", "reveal", "answer", "verdict", "quit", "x"]),
       body=st.dictionaries(st.sampled_from(["scene", "rule", "label", "correct", "role"]),
                            st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12),
                                      st.lists(st.integers(), max_size=2)), max_size=3))
def test_no_request_body_makes_the_server_fail(server, action, body):
    client = Client(server.url)
    gid = _master(client)["id"]
    status, answer = client.request("POST", f"/api/games/{gid}/{action}", body)
    assert status < 500, answer
    assert client.request("GET", f"/api/games/{gid}")[0] == 200


def test_browser_sessions_keep_their_own_games(server):
    a, b = Client(server.url), Client(server.url)
    assert a.get("/api/session") == {"game": None}
    ga = _master(a)
    gb = b.post("/api/games", {"role": "student"}, expect=201)
    assert a.get("/api/session")["game"]["id"] == ga["id"]
    assert b.get("/api/session")["game"]["id"] == gb["id"]
    a.post(f"/api/games/{ga['id']}/scene", {"scene": "Ab...."})
    assert b.get("/api/session")["game"] == gb  # untouched by the other session's move


def test_no_game_is_lost_when_the_server_is_killed(tmp_path):
    srv = Server(tmp_path / "games.sqlite")
    srv.start()
    try:
        client = Client(srv.url)
        master = _master(client)
        master = client.post(f"/api/games/{master['id']}/scene", {"scene": "Ab...."})
        master = client.post(f"/api/games/{master['id']}/guess", {"rule": "at_least 1 red"})
        other = Client(srv.url)
        student = other.post("/api/games", {"role": "student"}, expect=201)
        for _ in range(3):
            scene = student["pending"]["scene"]
            student = other.post(f"/api/games/{student['id']}/answer", {"label": evaluate(parse(SECRET), scene)})
        srv.restart(kill=True)  # SIGKILL: no chance to flush anything
        client.url = other.url = srv.url  # a new port; the cookies are the host's
        assert client.get("/api/session")["game"] == master
        assert other.get("/api/session")["game"] == student
        # Both games go on from where they were.
        assert client.post(f"/api/games/{master['id']}/scene", {"scene": "A.b..."})["asked"] == 2
        done = _answer_until_guess(other, student)
        assert equivalent(parse(done["pending"]["rule"]), parse(SECRET)).equivalent
    finally:
        srv.stop()


def test_the_crn_student_plays_and_survives_a_restart(tmp_path):
    pytest.importorskip("torch")
    srv = Server(tmp_path / "games.sqlite", "--beams", "32")
    srv.start()
    try:
        client = Client(srv.url)
        view = client.post("/api/games", {"role": "student", "student": "crn", "seed": 3}, expect=201)
        assert view["student"] == "crn" and view["pending"]["remaining"] is None
        rule = parse("zero red")
        for _ in range(4):  # four opening scenes, then the network's first question or guess
            if view["pending"]["kind"] != "ask":
                break
            view = client.post(f"/api/games/{view['id']}/answer",
                               {"label": evaluate(rule, view["pending"]["scene"])})
        assert view["pending"]["kind"] in ("ask", "guess")
        assert view["pending"]["kind"] == "guess" or view["pending"]["leading"]
        if view["pending"]["kind"] == "ask":  # while the network thinks, other games play on
            before, ended = view, []

            def answer() -> None:
                client.post(f"/api/games/{view['id']}/answer", {"label": evaluate(rule, view["pending"]["scene"])})
                ended.append(time.monotonic())

            answering = threading.Thread(target=answer)
            answering.start()
            other = Client(srv.url)
            master = _master(other)
            played, scenes = [], itertools.cycle(("Ab....", "A.b...", "bbA..."))
            while answering.is_alive():
                other.post(f"/api/games/{master['id']}/scene", {"scene": next(scenes)})
                played.append(time.monotonic())
            answering.join()
            # Moves of another game were answered while the network thought (a board that
            # served one request at a time could answer one at most, by a hair).
            assert sum(t < ended[0] for t in played) >= 2, (played, ended)
            view = client.get(f"/api/games/{view['id']}")
            assert view["asked"] == before["asked"] + 1
        srv.restart(kill=True)
        client.url = srv.url
        assert client.get(f"/api/games/{view['id']}") == view  # rebuilt with its seed and table
    finally:
        srv.stop()


def test_without_torch_the_crn_student_is_a_4xx_and_the_board_goes_on(tmp_path):
    srv = Server(tmp_path / "games.sqlite", no_torch=True)
    srv.start()
    try:
        client = Client(srv.url)
        status, err = client.request("POST", "/api/games", {"role": "student", "student": "crn"})
        assert status == 400 and err["diagnostic"]["code"] == "E506"
        assert "pip install 'rulelang[neural]'" in err["diagnostic"]["hint"]
        assert client.post("/api/games", {"role": "student", "student": "search"}, expect=201)["pending"]
    finally:
        srv.stop()


def test_without_the_web_extra_serve_says_how_to_install_it():
    code = ("import sys; sys.modules['starlette'] = None; from rulelang.cli import main; "
            "raise SystemExit(main(['serve', '--port', '0']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and "pip install 'rulelang[web]'" in done.stderr


def test_a_busy_port_is_a_one_line_error(server):
    port = server.url.rsplit(":", 1)[1]
    done = subprocess.run([sys.executable, "-m", "rulelang", "serve", "--port", port, "--db", str(server.db)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "E301" in done.stderr and "cannot listen" in done.stderr and not done.stdout
