"""The tap benchmark's other process: the loopback Bot API server and the simulated users.

On a 2-core machine, a server and a load generator sharing the bot's process (and event
loop) take their CPU from the very thing being measured, and cap the floor and the bot
alike. Here they run in a process of their own, so the bot (or the bare-PTB floor) has
its process to itself and the operating system can put the two on separate cores.

`python -m bench.tapserver USERS` starts a `LoopbackBotAPI` with USERS users and prints
one JSON line, ``{"base_url": ..., "token": ...}``; then it reads commands, one JSON line
each, from stdin and answers on stdout:

- ``{"op": "prepare"}``: every user types /stretch; ``{"done": true}`` once all have the
  routine picker.
- ``{"op": "run", "scenario": {...}}``: the crowd walks (`taps.run_crowd`); the lines
  ``{"mark": "measuring"}`` and ``{"mark": "window-end"}`` bound the measured window (the
  parent counts its SQL statements between them), then ``{"result": {...}}``.
- ``{"op": "stop"}`` or the end of stdin: the server stops and the process exits.

Latencies are measured here, with one clock: when a tap's update was queued and when
its `answerCallbackQuery` arrived.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from typing import Any

from bench.instrument import TimedCalls
from bench.seed import user_ids
from bench.taps import Scenario, prepare_bot_users, run_crowd
from loopback import LoopbackBotAPI


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def serve(users: int) -> None:
    server = LoopbackBotAPI()
    calls = TimedCalls()
    server.calls = calls
    ids = list(user_ids(users))
    for user_id in ids:
        server.add_user(first_name="Bench", user_id=user_id)
    await server.start()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    _say({"base_url": server.base_url, "token": server.token})
    try:
        while line := await reader.readline():
            command = json.loads(line)
            if command["op"] == "prepare":
                await prepare_bot_users(server, ids)
                _say({"done": True})
            elif command["op"] == "run":
                scenario = Scenario(**command["scenario"])
                run = await run_crowd(
                    server, calls, scenario, ids, lambda mark: _say({"mark": mark})
                )
                _say({"result": asdict(run)})
            else:
                break
    finally:
        await server.stop()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
