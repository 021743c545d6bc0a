"""`stretchbot playground`: the real bot in a browser chat, with no token and no internet.

One process runs the loopback Bot API server (``loopback``), the bot connected to it (same
handlers, same database layer, its own SQLite file) on a clock the page can move forward,
and a page on http://127.0.0.1:8080 that looks like a Telegram chat.

- ``core``: the parts started and stopped together, users, the clock jumps
- ``clock``: wall time plus a forward-only offset
- ``render``: messages as the page draws them (sanitized Telegram HTML)
- ``web``: the page's JSON + server-sent-events API
- ``cli``: the ``playground`` subcommand
- ``static/``: index.html, app.js, style.css (no build step)
"""
