# One image for every role (web, worker, migrate) and the local Zalo stand-in.
# The build downloads no Prisma engine: the CLI runs on its WASM engine (prisma.config.ts).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json prisma.config.ts ./
COPY prisma ./prisma
# Data read at start: every word the bot says, the flows, the rule sets, the images.
COPY locales ./locales
COPY flows ./flows
COPY rules ./rules
COPY assets ./assets
# Operator commands (seed, units:import, admin:token) run from source with tsx.
COPY --from=build /app/src ./src
COPY tools ./tools
# tsc does not copy the stand-in's static chat page next to its compiled code.
COPY tools/zalo-sim/public ./dist/tools/zalo-sim/public
# Scans and packets (STORAGE_LOCAL_DIR); a volume is mounted here by docker-compose.
RUN mkdir -p /app/data/documents && chown -R node:node /app/data
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
