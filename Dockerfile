# newsblog under gunicorn: the same processes `make run` starts, with production settings.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GUNICORN_BIND=0.0.0.0:8000 \
    MEDIA_ROOT=/data/media

WORKDIR /app
# pg_dump and pg_restore for `manage.py backup` / `restore` (Debian bookworm: PostgreSQL 15 client,
# matching the compose database).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic needs settings but no database; the build-time key is never used at run time.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only-secret-key-never-used-at-run-time-000 \
    python manage.py collectstatic --noinput --verbosity 0
RUN useradd --system --uid 1000 --home /app newsblog \
    && mkdir -p /data/media /data/backups \
    && chown -R newsblog /data /app

USER newsblog
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status == 200 else 1)"
# collectstatic again at start: under compose, staticfiles/ is a volume shared with nginx, kept
# from the previous release, so this release's files are written into it before nginx serves them.
CMD ["sh", "-c", "python manage.py collectstatic --noinput --verbosity 0 && python manage.py migrate --noinput && python manage.py load_demo_content && exec gunicorn --config gunicorn.conf.py newsblog.wsgi"]
