"""Docker can't run here, so check that the Docker files only reference what exists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def test_dockerfile_copies_existing_paths_and_runs_the_console_script() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            sources = line.split()[1:-1]
            for source in sources:
                assert (REPO / source).exists(), f"Dockerfile copies missing {source}"
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert 'CMD ["stretchbot", "run"]' in dockerfile and "stretchbot" in scripts
    assert re.search(r"^FROM python:3\.1[1-9]", dockerfile, re.MULTILINE)
    assert "VOLUME" in dockerfile and "/app/data" in dockerfile


def test_compose_file_follows_the_spec_essentials() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert set(compose) <= {"services", "volumes", "networks", "configs", "secrets", "name"}
    bot = compose["services"]["bot"]
    assert bot["build"] == "." and (REPO / "Dockerfile").exists()
    assert bot["restart"] in {"on-failure", "unless-stopped", "always"}
    env_files = bot["env_file"]
    assert any(entry["path"] == ".env" for entry in env_files)
    volume, target = bot["volumes"][0].split(":")
    assert volume in compose["volumes"], "a named volume, declared at the top level"
    assert target == "/app/data"
    assert "/app/data" in (REPO / "Dockerfile").read_text()


def test_env_example_lists_every_setting() -> None:
    from bot.config import Settings

    example = (REPO / ".env.example").read_text()
    assert re.search(r"^BOT_TOKEN=", example, re.MULTILINE)
    for name in ("DATABASE_URL", "BOT_API_URL", "LOG_LEVEL", "ADMIN_IDS"):
        assert name in example
        assert name.lower() in Settings.model_fields
