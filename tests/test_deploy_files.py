"""Docker can't run here, so the Docker files are checked as files: everything they
reference exists and agrees with the code (settings, ports, commands, volumes), the compose
file has what a deployment needs, and the lock file is in sync with pyproject.toml."""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.config import Settings
from bot.health import DEFAULT_HEALTH_PORT

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements.lock"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", (REPO / "Dockerfile").read_text())
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def compose() -> dict[str, Any]:
    data = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def env_names(text: str) -> set[str]:
    """Variables a file sets or mentions as NAME= (commented examples included)."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def test_dockerfile_installs_locked_dependencies_before_the_code() -> None:
    steps = instructions()
    assert re.match(r"python:3\.1[1-9]", dict(steps)["FROM"])
    copies = [args for keyword, args in steps if keyword == "COPY"]
    runs = [(i, args) for i, (keyword, args) in enumerate(steps) if keyword == "RUN"]
    assert copies[0].split()[0] == "requirements.lock", "the lock file is copied first"
    install_deps = next(i for i, args in runs if "-r requirements.lock" in args)
    first_code = next(
        i for i, (k, args) in enumerate(steps) if k == "COPY" and args.split()[0] == "bot"
    )
    assert install_deps < first_code, "dependencies install in a layer before the code"
    install_code = [args for i, args in runs if i > first_code and "pip install" in args]
    assert install_code and all("--no-deps" in args for args in install_code)
    for args in copies:
        for source in args.split()[:-1]:
            assert (REPO / source).exists(), f"Dockerfile copies missing {source}"


def test_dockerfile_runs_as_a_user_with_health_check_ports_and_volume() -> None:
    steps = instructions()
    keywords = [k for k, _ in steps]
    user = dict(steps)["USER"]
    assert user not in ("root", "0") and keywords.index("USER") < keywords.index("CMD")
    assert re.search(rf"useradd .*\b{user}\b", dict(steps)["RUN"] + " ".join(a for _, a in steps))
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert dict(steps)["CMD"] == '["stretchbot", "run"]' and "stretchbot" in scripts
    health = dict(steps)["HEALTHCHECK"]
    assert health.endswith('CMD ["stretchbot", "health"]'), health
    exposed = {int(p) for p in dict(steps)["EXPOSE"].split()}
    assert exposed == {Settings.model_fields["webhook_port"].default, DEFAULT_HEALTH_PORT}
    env = dict(pair.split("=", 1) for _, args in steps if _ == "ENV" for pair in shlex.split(args))
    for name in env:
        assert name.startswith(("PYTHON", "PIP_")) or name.lower() in Settings.model_fields
    assert int(env["HEALTH_PORT"]) == DEFAULT_HEALTH_PORT
    volume = dict(steps)["VOLUME"].strip('[]"')
    assert env["DATABASE_URL"].endswith(f"//{volume}/stretchbot.sqlite3")
    assert env["CONTENT_DIR"] == "/app/content" and "content ./content" in " ".join(
        a for k, a in steps if k == "COPY"
    )


def test_stretchbot_health_and_run_are_real_commands() -> None:
    from bot.__main__ import main

    for command in (["health", "--help"], ["run", "--help"]):
        with pytest.raises(SystemExit) as exit_info:
            main(command)
        assert exit_info.value.code == 0


def test_dockerignore_keeps_secrets_data_and_history_out() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".git", "data", ".env"} <= ignored
    for keyword, args in instructions():
        if keyword == "COPY":
            for source in args.split()[:-1]:
                assert source not in ignored, f"{source} is copied but ignored"


def test_compose_bot_service() -> None:
    spec = compose()
    bot = spec["services"]["bot"]
    assert bot["build"] == "." and bot["restart"] == "unless-stopped"
    assert bot["env_file"] == ".env", "the short form: env_file: .env"
    assert (REPO / ".env.example").exists()
    volume, target = bot["volumes"][0].split(":")
    assert volume in spec["volumes"] and target == "/app/data"
    assert bot["healthcheck"]["test"] == ["CMD", "stretchbot", "health"]
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["depends_on"]["postgres"]["required"] is False
    grace = re.fullmatch(r"(\d+)s", bot["stop_grace_period"])
    assert grace, bot["stop_grace_period"]
    from bot.reminders import STOP_FLUSH_S

    # Room for the longest shutdown: results recorded for up to STOP_FLUSH_S with the
    # database away, plus stopping polling and the scheduler.
    assert int(grace[1]) >= STOP_FLUSH_S + 5


def test_compose_postgres_profile() -> None:
    spec = compose()
    postgres = spec["services"]["postgres"]
    assert postgres["profiles"] == ["postgres"]
    assert postgres["restart"] == "unless-stopped"
    assert re.fullmatch(r"postgres:1[5-9]", postgres["image"])
    volume, target = postgres["volumes"][0].split(":")
    assert volume in spec["volumes"] and target == "/var/lib/postgresql/data"
    env = postgres["environment"]
    test = postgres["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    assert shlex.split(test[1]) == [
        "pg_isready",
        "-U",
        env["POSTGRES_USER"],
        "-d",
        env["POSTGRES_DB"],
    ]
    example = (REPO / ".env.example").read_text()
    url = re.search(r"DATABASE_URL=(postgresql://\S+)", example)
    assert url, "the .env.example shows the DATABASE_URL of the postgres profile"
    assert f"{env['POSTGRES_USER']}:" in url[1] and url[1].endswith(
        f"@postgres:5432/{env['POSTGRES_DB']}"
    )


def test_every_variable_compose_uses_is_documented() -> None:
    text = (REPO / "docker-compose.yml").read_text()
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    assert used, "compose interpolates at least POSTGRES_PASSWORD"
    assert used <= env_names((REPO / ".env.example").read_text()), used
    documented = env_names((REPO / ".env.example").read_text())
    for name in documented - {"POSTGRES_PASSWORD"}:
        assert name.lower() in Settings.model_fields, f".env.example sets unknown {name}"


def test_env_example_lists_every_setting() -> None:
    example = (REPO / ".env.example").read_text()
    assert re.search(r"^BOT_TOKEN=", example, re.MULTILINE)
    for name in ("DATABASE_URL", "BOT_API_URL", "LOG_LEVEL", "ADMIN_IDS", "WEBHOOK_URL"):
        assert name in example
        assert name.lower() in Settings.model_fields


# --------------------------------------------------------------------------- lock file


def locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        found = re.match(r"^([A-Za-z0-9._-]+)==([^\s;]+)", line)
        if found:
            pins[canonicalize_name(found[1])] = found[2]
    return pins


def needed(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    environment: dict[str, str] = dict(default_environment())  # type: ignore[arg-type]
    return any(
        requirement.marker.evaluate({**environment, "extra": extra}) for extra in extras or {""}
    )


def closure() -> Iterator[tuple[Requirement, str]]:
    """Every requirement of the project's runtime dependencies, transitively, as pip would
    install them here (markers evaluated, extras followed); with who asked for it."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    queue = [(Requirement(text), "pyproject.toml") for text in project["dependencies"]]
    seen: set[tuple[str, frozenset[str]]] = set()
    while queue:
        requirement, parent = queue.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        yield requirement, parent
        for text in metadata.requires(requirement.name) or []:
            child = Requirement(text)
            if needed(child, set(requirement.extras)):
                child.marker = None
                queue.append((child, requirement.name))


def test_lock_file_is_in_sync_with_pyproject() -> None:
    """Every dependency (with its extras, transitively) is pinned to a version its
    specifier allows, and nothing else is pinned. Fix: `scripts/lock.sh`."""
    pins = locked()
    wanted: set[str] = set()
    for requirement, parent in closure():
        name = canonicalize_name(requirement.name)
        wanted.add(name)
        assert name in pins, f"{name} (needed by {parent}) is not in requirements.lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, but {parent} wants "
            f"{requirement.specifier}: run scripts/lock.sh"
        )
    assert set(pins) == wanted, f"stale pins: {sorted(set(pins) - wanted)}"


def test_ci_and_the_readme_install_the_lock_file() -> None:
    command = "pip install -q -r requirements.lock -e '.[test]'"
    assert command in (REPO / ".ci" / "run").read_text()
    assert command in (REPO / "README.md").read_text()
