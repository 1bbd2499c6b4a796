# syntax=docker/dockerfile:1.7
# Telegram bot image. Build from the repository root:
#   docker build -f infra/docker/bot.Dockerfile -t docrag-bot:$(git rev-parse --short HEAD) .
# The bundle comes from `nx build bot` (@nx/esbuild, generatePackageJson), so the runtime stage only
# installs the production dependencies the bundle really imports (the pruned package.json + lock file
# that the executor writes next to main.js), not the whole workspace.

# Exact version tag; CI's release workflow resolves it to a digest and records it in the image labels.
ARG NODE_IMAGE=node:24.11.1-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /repo
# The bot never loads onnxruntime; skip its post-install download (the .npmrc says the same).
ENV CI=true NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false ONNXRUNTIME_NODE_INSTALL=skip
# better-sqlite3 falls back to a node-gyp build when no prebuilt binary matches the Node ABI.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run bot:build --skip-nx-cache

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /repo/dist/apps/bot/package.json /repo/dist/apps/bot/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=dev
ARG GIT_SHA=unknown
LABEL org.opencontainers.image.title="docrag-bot" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${GIT_SHA}" \
      org.opencontainers.image.source="https://github.com/docrag/docrag"
# tini reaps zombies and forwards SIGTERM so the bot's graceful stop (runner.stop, webhook close) runs.
RUN apt-get update && apt-get install -y --no-install-recommends tini ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Files stay owned by root and read-only for the runtime user; only /data (the embedded SQLite store)
# and /tmp are written, so the container runs with a read-only root filesystem.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /repo/dist/apps/bot ./
# The vendored WordPiece tokenizer (Apache-2.0) sizes chunks at ingestion; TOKENIZER_PATH's empty
# default resolves it relative to the working directory, so point at it explicitly.
COPY models/all-MiniLM-L6-v2-tokenizer ./models/all-MiniLM-L6-v2-tokenizer
RUN mkdir -p /data && chown 1000:1000 /data
ENV NODE_ENV=production DATA_DIR=/data WEBHOOK_PORT=8443 METRICS_PORT=9464 \
    TOKENIZER_PATH=/app/models/all-MiniLM-L6-v2-tokenizer OTEL_RESOURCE_ATTRIBUTES=service.version=${VERSION}
VOLUME ["/data"]
EXPOSE 8443 9464
# Numeric uid so Kubernetes' runAsNonRoot can verify it without a passwd lookup (uid 1000 = node).
USER 1000:1000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9464)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "main.js"]
