# Production image: the API (default) or the worker (command override), on PostgreSQL.
# Node 24 is an LTS line with security fixes until April 2028 (Node 20 reached end of life in
# April 2026); the code also runs on Node 20.
#
# Build stage: compile TypeScript to dist/ (needs the dev dependencies).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build

# Runtime stage: production dependencies, the compiled code and the migrations.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
USER node
EXPOSE 3000
# node itself is PID 1 (no npm, npx or tsx wrapper that would swallow the signal): on SIGTERM it
# stops taking requests, finishes those in flight and running jobs, closes the database, exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/server.js"]
