FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# git for the release safety analysis; the rollback steps' own tools (kubectl, helm…) are added by
# the operator's image built on top of this one.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY templates ./templates
# The sandbox's page (`rollback-bot sandbox`).
COPY public ./public
COPY manifests ./manifests
USER node
EXPOSE 3000
CMD ["node", "dist/main.js"]
