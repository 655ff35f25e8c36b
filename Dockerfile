# syntax=docker/dockerfile:1
# Build stage: install the package and its runtime dependencies into a venv.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY app ./app
RUN /opt/venv/bin/pip install --upgrade pip && /opt/venv/bin/pip install '.[pg,llm]'

# Runtime stage: the venv, the knowledge base, a non-root user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    COACH_DATA_DIR=/data \
    COACH_KNOWLEDGE_DIR=/app/knowledge \
    COACH_AUTH=password \
    HF_HUB_OFFLINE=1
RUN useradd --create-home --uid 10001 coach && mkdir -p /data && chown coach /data
COPY --from=build /opt/venv /opt/venv
COPY knowledge /app/knowledge
COPY prompts /app/prompts
WORKDIR /app
USER coach
# Build the knowledge index now, into /data: a new named volume starts with it, so the first start is quick.
RUN python -c "from app.config import load_settings; from app.services.container import Services; Services(load_settings()).retriever"
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# Listening beyond loopback needs accounts: COACH_AUTH=password (set above) and COACH_SECRET_KEY at run time.
CMD ["coach", "serve", "--host", "0.0.0.0", "--port", "8000"]
