#!/bin/sh
# Create or update the owner and app database roles (bin/database-roles.sql) from the environment.
# docker compose's db service runs it at its first start (docker-entrypoint-initdb.d); run it by
# hand as a superuser for an existing database: PGHOST=... PGUSER=postgres bin/database-roles.sh
set -eu
: "${DATABASE_OWNER_PASSWORD:?set DATABASE_OWNER_PASSWORD}"
: "${DATABASE_APP_PASSWORD:?set DATABASE_APP_PASSWORD}"
psql -v ON_ERROR_STOP=1 \
  --username "${POSTGRES_USER:-${PGUSER:-postgres}}" \
  --dbname "${POSTGRES_DB:-${PGDATABASE:-akuttilbud}}" \
  -v owner_role="${DATABASE_OWNER_ROLE:-akuttilbud_owner}" \
  -v owner_password="$DATABASE_OWNER_PASSWORD" \
  -v app_role="${DATABASE_APP_ROLE:-akuttilbud_app}" \
  -v app_password="$DATABASE_APP_PASSWORD" \
  -f "${DATABASE_ROLES_SQL:-$(dirname "$0")/database-roles.sql}"
