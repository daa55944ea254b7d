# One image for the API and the transcoder (the command picks the role).
# scripts/check-production-install.sh runs these same steps without Docker (docs/operations.md,
# "Shipping"); keep the two in step.

# Build stage: all dependencies, to build the web app (vite and svelte are devDependencies).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Runtime: production dependencies only (tsx runs the TypeScript sources), and the built web app.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg fonts-noto-cjk tini \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY server ./server
COPY transcoder ./transcoder
COPY migrations ./migrations
COPY scripts ./scripts
COPY --from=build /app/web/dist ./web/dist
# DATA_DIR (partial uploads; the embedded database) is a volume the node user can write to
RUN mkdir -p /data && chown node:node /data
ENV HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]
# One node process (tsx as a loader), so tini's SIGTERM reaches the server's graceful shutdown.
# `npm start` works too (it finds web/dist and does not build); the transcoder's command is
# `node --import tsx transcoder/main.ts`.
CMD ["node", "--import", "tsx", "server/main.ts"]
