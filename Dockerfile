# The bot's image: `docker compose up` (see docker-compose.yml and the README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CONTENT_DIR=/app/content \
    DATABASE_URL=sqlite+aiosqlite:////app/data/stretchbot.sqlite3 \
    HEALTH_PORT=8081

WORKDIR /app

# Dependencies in their own layer, pinned by the lock file (pip-tools, scripts/lock.sh):
# a code change doesn't reinstall them, and every build installs the same versions.
COPY requirements.lock ./
RUN pip install -r requirements.lock

# Then the code: the bot itself is installed without touching the pinned dependencies.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY loopback ./loopback
# content/ is package data of the wheel (pyproject maps it to bot/content_files).
COPY content ./content
RUN pip install --no-deps .

RUN useradd --create-home --uid 10001 stretchbot && mkdir -p /app/data \
    && chown stretchbot:stretchbot /app/data && chmod 700 /app/data
USER stretchbot
VOLUME ["/app/data"]

# 8080: the webhook server (webhook mode only); 8081: GET /healthz.
EXPOSE 8080 8081
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["stretchbot", "health"]

CMD ["stretchbot", "run"]
