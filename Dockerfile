FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    CONTENT_DIR=/app/content \
    DATABASE_URL=sqlite+aiosqlite:////app/data/stretchbot.sqlite3

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY loopback ./loopback
# content/ is package data of the wheel (pyproject maps it to bot/content_files).
COPY content ./content
RUN pip install .

RUN useradd --create-home --uid 10001 stretchbot && mkdir -p /app/data \
    && chown stretchbot:stretchbot /app/data && chmod 700 /app/data
USER stretchbot
VOLUME ["/app/data"]

CMD ["stretchbot", "run"]
