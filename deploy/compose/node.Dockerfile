# syntax=docker/dockerfile:1
# One image for the Node processes of foursignals: the receivers (otel-receivers) and the demo company.
# Build context: the repository root.   docker build -f deploy/compose/node.Dockerfile -t foursignals/node-apps:0.1.0 .
FROM node:24.11.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json turbo.json ./
COPY packages/ packages/
RUN npm ci --no-audit --no-fund --loglevel=error \
 && npx turbo run build \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=error

FROM node:24.11.1-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
COPY deploy/compose/with-otlp-token.sh /usr/local/bin/with-otlp-token
USER node
ENTRYPOINT ["/usr/local/bin/with-otlp-token"]
CMD ["node", "packages/receivers/dist/cli.js", "--help"]
