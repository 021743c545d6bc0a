"""Every route the playground's page server has is in the README's Playground section."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import REPO_ROOT
from bot.playground.core import Playground, PlaygroundOptions
from bot.playground.web import create_web_app


def playground_section() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^## Playground\n(.*?)^## ", readme, re.DOTALL | re.MULTILINE)
    assert found, "the README has a Playground section"
    return found.group(1)


def test_every_route_is_in_the_readme(tmp_path: Path) -> None:
    app = create_web_app(Playground(PlaygroundOptions(port=0, data_dir=tmp_path)))
    routes = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    assert ("POST", "/api/users/{user_id}/text") in routes  # the reading works
    section = playground_section()
    # The README names path parameters plainly ({id} for {user_id}).
    missing = [
        f"{method} {path}"
        for method, path in sorted(routes)
        if f"`{method} {path.replace('{user_id}', '{id}')}" not in section
    ]
    assert not missing, f"routes missing from the README's Playground section: {missing}"
    documented = set(re.findall(r"`(GET|POST) (/[^`?\s]*)", section))
    served = {(m, p.replace("{user_id}", "{id}")) for m, p in routes}
    assert documented <= served, f"documented but not served: {documented - served}"
