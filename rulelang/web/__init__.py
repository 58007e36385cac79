"""Zendo in the browser: ``rulelang serve`` (the top floor, like the command line).

* :mod:`rulelang.web.board` — games of many browser sessions, played by
  :mod:`rulelang.search.zendo` (the rules of ``rulelang play``), drawn by :mod:`rulelang.render`;
* :mod:`rulelang.web.store` — the games in SQLite, one transaction per move;
* :mod:`rulelang.web.app` — the page and its JSON API (Starlette, served by uvicorn: the
  optional ``web`` extra, ``pip install 'rulelang[web]'``; without it, importing the app
  raises :class:`rulelang.errors.ExtraMissing`);
* ``static/`` — the page: plain HTML, CSS and JavaScript, no build step.
"""
