# Outbound in a container: `docker build -t outbound .` then
#   docker run -p 8071:8071 -v outbound-data:/data -e OUTBOUND_API_TOKEN=change-me-please outbound
# Node runs under tini, which forwards SIGTERM/SIGINT and reaps children: `docker stop -t 20` lets attempts in flight
# finish within OUTBOUND_SHUTDOWN_GRACE (10 s) before the container is killed.
# The web UI (dashboard and portal) is built in its own stage, with dev dependencies: `npm ci` runs `prepare`, which
# builds web/ into dist/web. Only the built files reach the final image.
FROM node:24-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.receiver.json ./
# `prepare` also compiles the receiver library (src/receiver), so the sources come along.
COPY src ./src
COPY web ./web
RUN npm ci && npm cache clean --force

FROM node:24-bookworm-slim

RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
# The image's Node is 24 already: dev dependencies (the pinned `node` package among them) are not needed.
# --ignore-scripts: `prepare` (the receiver library for npm consumers, and the web build, which already ran in the
# `web` stage) is not needed here.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY src ./src
COPY --from=web /app/dist/web ./dist/web

RUN mkdir /data && chown node:node /data
USER node
ENV HOST=0.0.0.0 \
    PORT=8071 \
    DATABASE_URL=/data/outbound.db
VOLUME ["/data"]
EXPOSE 8071

HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/api/v1/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--max-semi-space-size=4", "src/cli/main.ts", "serve"]
