FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt .
COPY . .
# Production settings, so the manifest production's static storage reads is written.
RUN bin/build-static
RUN useradd --create-home akuttilbud && mkdir -p /var/lib/akuttilbud/private \
    && chown akuttilbud /var/lib/akuttilbud/private
USER akuttilbud
EXPOSE 8000
CMD ["gunicorn", "akuttilbud.wsgi", "--config", "deploy/gunicorn.conf.py"]
