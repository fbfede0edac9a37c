# The portal as one image: gunicorn serving Django, whitenoise serving the hashed static files.
# Build: docker build -t upas .   Run with compose.yaml (PostgreSQL, Redis) or any orchestrator.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The committed CSS means no Node at build time. collectstatic needs settings, not secrets.
RUN SECRET_KEY=build-only-$(python -c "print('x' * 50)") ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput \
 && useradd --create-home --uid 1000 upas \
 && mkdir -p /data/media /data/private-media \
 && chown -R upas /data

USER upas
ENV MEDIA_ROOT=/data/media PRIVATE_MEDIA_ROOT=/data/private-media
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"]
