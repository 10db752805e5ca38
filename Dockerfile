# One image for the api, the worker, the migration and bootstrap jobs and the local stand-ins (different
# commands; docker-compose.yml builds it once as jimeng-flow:local). Node 22 LTS (supported until 2027-04-30,
# nodejs/docker-node versions.json): Node 20 reached its end of life on 2026-04-30.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
# The project's own build, whatever it emits (the compiled tree and anything else under dist/), then the
# production dependencies only.
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/api/main.js"]
