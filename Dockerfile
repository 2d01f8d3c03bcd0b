# Callsheet: python -m bot with ffmpeg available. Data (SQLite, media, results) in /data.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core fonts-noto-cjk libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY storage ./storage
COPY discord_emulator ./discord_emulator
RUN pip install --no-cache-dir .

RUN useradd --create-home --uid 10001 callsheet \
    && mkdir -p /data && chown callsheet /data
USER callsheet
ENV DATA_DIR=/data PYTHONUNBUFFERED=1
VOLUME ["/data"]

# DISCORD_TOKEN (and the rest of .env.example) come from the environment: docker run --env-file .env
# The asset server (ASSET_HOST=http) listens on ASSET_SERVER_PORT.
EXPOSE 8765
CMD ["python", "-m", "bot"]
