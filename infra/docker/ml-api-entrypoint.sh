#!/bin/sh
# ml-api container entry: make the pinned weights present in the model cache volume, then hand the
# process over to Node (exec, so tini's SIGTERM reaches the server and in-flight batches drain).
set -eu
node /app/infra/fetch-models.mjs
exec node --enable-source-maps /app/main.js "$@"
