# syntax=docker/dockerfile:1
# The image of one orderflow service, named by the build argument SERVICE
# (order-service, payment-service or notification-service). Build from the repository root:
#
#   docker build --build-arg SERVICE=order-service -t <registry>/orderflow/order-service:0.1.0 .
#
# What charts/orderflow expects of it (the chart tests check this file for each SERVICE):
# it runs as UID/GID 1000 (the image's "node" user) on a read-only root filesystem,
# starts with `node dist/start.js` and migrates with `node dist/migrate.js` from
# WORKDIR /app/apps/$SERVICE.
#
# The port: the image sets no APP_PORT and EXPOSEs none. Each app's own default
# (APP_PORT in apps/<service>/src/config.ts: 3001, 3002, 3003) is the port the chart
# gives it (containerPort and APP_PORT in the Deployment), so one image file needs no
# table of ports, and the number lives in one place per service; `docker run -e APP_PORT=...`
# moves it. The chart tests check that the chart's port is the app's default.

# Node.js 24, the active LTS line; pinned to a release (add @sha256:<digest> when you build).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# 1. The workspace's manifests, after the check of SERVICE: a build without it, or with a
#    name that is not one of the three services, stops here with a message.
FROM ${NODE_IMAGE} AS manifests
ARG SERVICE
RUN case "${SERVICE}" in \
      order-service|payment-service|notification-service) ;; \
      *) echo "SERVICE must be order-service, payment-service or notification-service (got \"${SERVICE}\"): docker build --build-arg SERVICE=<service> ." >&2; exit 1 ;; \
    esac
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/service-kit/package.json packages/service-kit/
COPY apps/order-service/package.json apps/order-service/
COPY apps/payment-service/package.json apps/payment-service/
COPY apps/notification-service/package.json apps/notification-service/

# 2. Build: the whole workspace's dependencies (TypeScript is a dev dependency),
#    then this app and the shared packages it references (tsc -b follows the references).
FROM manifests AS build
ARG SERVICE
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY packages/ packages/
COPY apps/${SERVICE}/ apps/${SERVICE}/
RUN npx tsc -b apps/${SERVICE}

# 3. Production dependencies of this app only (its workspace packages are links).
FROM manifests AS deps
ARG SERVICE
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace apps/${SERVICE}

# 4. Runtime: production dependencies and compiled JavaScript, owned by root (the
#    app's user reads them, cannot change them); no npm cache, no sources, no compiler.
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    APP_HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/ ./
COPY --from=build /app/packages/contracts/dist/ packages/contracts/dist/
COPY --from=build /app/packages/service-kit/dist/ packages/service-kit/dist/
COPY --from=build /app/apps/${SERVICE}/dist/ apps/${SERVICE}/dist/
WORKDIR /app/apps/${SERVICE}
USER 1000:1000
CMD ["node", "dist/start.js"]
