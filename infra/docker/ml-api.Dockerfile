# syntax=docker/dockerfile:1.7
# ml-api image: ONNX embeddings + cross-encoder rerank on CUDA 12 + cuDNN 9, with a CPU fallback in the
# same image (onnxruntime-node picks CUDA when the provider libraries and a GPU are present).
# Build from the repository root:
#   docker build -f infra/docker/ml-api.Dockerfile -t docrag-ml-api:$(git rev-parse --short HEAD) .
#   # weights baked in (air-gapped clusters), verified against the sha256 pins in models.json:
#   docker build -f infra/docker/ml-api.Dockerfile --build-arg BAKE_MODELS=true --build-arg MODEL_VARIANT=fp32 .

ARG NODE_IMAGE=node:24.11.1-bookworm-slim
# onnxruntime-node 1.30's CUDA provider is built against CUDA 12.x and cuDNN 9; the cudnn "runtime"
# flavour carries libcudnn9 without the compilers.
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

FROM ${NODE_IMAGE} AS build
WORKDIR /repo
ENV CI=true NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false ONNXRUNTIME_NODE_INSTALL=skip
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run ml-api:build --skip-nx-cache

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
# onnxruntime-node's install script (script/install.js, install-utils.js parseInstallFlag) reads
# ONNXRUNTIME_NODE_INSTALL before the npm config, so this overrides the repository's .npmrc "skip":
# "cuda12" downloads libonnxruntime_providers_{cuda,shared,tensorrt}.so from the
# Microsoft.ML.OnnxRuntime.Gpu.Linux 1.30.0 NuGet package into bin/napi-v6/linux/x64 at build time.
ENV ONNXRUNTIME_NODE_INSTALL=cuda12
COPY --from=build /repo/dist/apps/ml-api/package.json /repo/dist/apps/ml-api/package-lock.json ./
# onnxruntime-node ships binaries for every platform (darwin 86 MB, win32 134 MB, linux 69 MB);
# the CUDA base image is linux/amd64, so only linux/x64 stays (measured: docs/performance.md).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
    && test -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so \
    && rm -rf node_modules/onnxruntime-node/bin/napi-v6/darwin node_modules/onnxruntime-node/bin/napi-v6/win32 \
       node_modules/onnxruntime-node/bin/napi-v6/linux/arm64

FROM ${NODE_IMAGE} AS models
ARG BAKE_MODELS=false
ARG MODEL_VARIANT=int8
COPY infra/docker/fetch-models.mjs infra/docker/models.json /opt/fetch/
COPY models/all-MiniLM-L6-v2-tokenizer/tokenizer.json /opt/fetch/models/all-MiniLM-L6-v2-tokenizer/tokenizer.json
RUN mkdir -p /models && if [ "${BAKE_MODELS}" = "true" ]; then \
      MODEL_DIR=/models MODEL_VARIANT=${MODEL_VARIANT} MODEL_SOURCE_DIR=/opt/fetch node /opt/fetch/fetch-models.mjs; fi

FROM ${NODE_IMAGE} AS node

FROM ${CUDA_IMAGE} AS runtime
ARG VERSION=dev
ARG GIT_SHA=unknown
ARG MODEL_VARIANT=int8
LABEL org.opencontainers.image.title="docrag-ml-api" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${GIT_SHA}" \
      org.opencontainers.image.source="https://github.com/docrag/docrag"
RUN apt-get update && apt-get install -y --no-install-recommends tini ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# Node from the pinned official image (glibc 2.36 build runs on Ubuntu 24.04's glibc 2.39).
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /repo/dist/apps/ml-api ./
COPY infra/docker/fetch-models.mjs infra/docker/models.json ./infra/
# The vendored WordPiece tokenizer (Apache-2.0), copied into each model folder by the fetcher.
COPY models/all-MiniLM-L6-v2-tokenizer/tokenizer.json ./models/all-MiniLM-L6-v2-tokenizer/tokenizer.json
COPY --chmod=0755 infra/docker/ml-api-entrypoint.sh /usr/local/bin/ml-api-entrypoint
# Baked weights (empty unless BAKE_MODELS=true) seed the cache; a mounted volume at /models replaces them.
COPY --from=models --chown=1000:1000 /models /models
ENV NODE_ENV=production PORT=8000 METRICS_PORT=9465 MODEL_DIR=/models MODEL_VARIANT=${MODEL_VARIANT} \
    MODEL_FETCH=auto MODEL_SOURCE_DIR=/app OTEL_RESOURCE_ATTRIBUTES=service.version=${VERSION} \
    NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility
VOLUME ["/models"]
EXPOSE 8000 9465
USER 1000:1000
# Generous start period: the first start downloads and hashes the weights before the server listens.
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/ml-api-entrypoint"]
