# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, run with production ones only.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim AS runtime
# ffmpeg for the audio and video adapters (and ffprobe for detection); fonts for text rendering
# (Latin and CJK); curl for health checks; offline perception: Festival and its HTS voice (speech),
# pocketsphinx and its US English model (transcribe), Tesseract's Chinese models (OCR).
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core fonts-noto-cjk fontconfig curl \
    festival festvox-us-slt-hts pocketsphinx pocketsphinx-en-us tesseract-ocr-chi-sim tesseract-ocr-chi-tra \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production BLOB_DIR=/data/blobs PORT=3000
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data/blobs && chown -R node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fsS http://127.0.0.1:3000/health/ready || exit 1
CMD ["node", "dist/apps/gateway/apps/gateway/src/main.js"]
