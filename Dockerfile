# The reference platform (platform_adapter) under gunicorn, with the PostgreSQL driver.
# The same image runs the fake Stripe (`simplex-stripe fake-stripe`); see docker-compose.yml and docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY simplex_stripe ./simplex_stripe
COPY simulator ./simulator
COPY platform_adapter ./platform_adapter
COPY steps ./steps
COPY features ./features
RUN pip install '.[postgres]' gunicorn \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/simplex --create-home simplex

# Runs as an unprivileged user; the data folder (default SQLite file, fake Stripe state) is its home.
USER simplex
WORKDIR /var/lib/simplex
# gunicorn reads WEB_CONCURRENCY (workers) and PORT (binds 0.0.0.0:$PORT); GUNICORN_CMD_ARGS adds any flag.
# --preload: the app is built once, before the workers fork, and they share its memory.
ENV SIMPLEX_DATA_DIR=/var/lib/simplex \
    WEB_CONCURRENCY=2 \
    PORT=8000
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/' % os.environ.get('PORT', '8000'), timeout=3)"]

CMD ["gunicorn", "--preload", "platform_adapter.wsgi:app"]
