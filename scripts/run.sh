#!/usr/bin/env bash
# Starts the action server and the Rasa server together (called by `make run`); Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
BIN=.venv/bin
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2
# One compute thread per process: spinning thread pools cost a core (recovery_support/cpu_threads.py).
export OMP_NUM_THREADS=1 TF_INTRA_OP_PARALLELISM_THREADS=1 TF_INTER_OP_PARALLELISM_THREADS=1
ENDPOINTS=${RASA_ENDPOINTS:-endpoints.yml}
CREDENTIALS=${RASA_CREDENTIALS:-credentials.yml}

$BIN/python -m recovery_support.clinic_check || true
# With the shipped config/alerts.yml nobody is paged: only staff with the staff app open see a crisis.
$BIN/python -m recovery_support.alerts.contact_check || true
# REPLICAS=2 (make run-replicas): several Rasa replicas and action servers behind nginx, sharing PostgreSQL and
# Redis on localhost (README "Several replicas"); otherwise one of each on SQLite.
REPLICAS=${REPLICAS:-1}
if [ "$REPLICAS" -gt 1 ]; then
  DATABASE_URL=${DATABASE_URL:-postgresql://postgres@localhost:5432/postgres}
fi
# The project's own tables (conversations, handoffs, staff, audit log); Rasa's events table is Rasa's.
export DATABASE_URL=${DATABASE_URL:-sqlite:///var/conversations.db}
$BIN/alembic upgrade head

# One process group: Ctrl-C (or the chat server exiting) takes everything down, leaving nothing half-running.
trap 'trap - EXIT INT TERM; kill 0 2>/dev/null; wait' EXIT INT TERM

# The processes beside the chat server are restarted when they die: the chat (and its crisis replies, which need
# no action server) must not go down with one of them.
keep_running() {
  while true; do
    "$@" || true
    echo "run.sh: ${*:1:3} stopped; restarting it in 2 s" >&2
    sleep 2
  done
}

if [ "$REPLICAS" -le 1 ]; then
  keep_running $BIN/rasa run actions --actions actions --port "${ACTIONS_PORT:-5055}" &
  # Understanding messages runs in a second process, on the second core (recovery_support/nlu_server.py): the
  # chat server asks it first and parses by itself whenever it doesn't answer. NLU_SERVER=0: one process.
  if [ "${NLU_SERVER:-1}" = 1 ]; then
    NLU_PORT=${NLU_PORT:-5006}
    NLU_TOKEN=$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(32))')
    keep_running $BIN/python -m recovery_support.nlu_server --model models/clinic.tar.gz --port "$NLU_PORT" \
      --auth-token "$NLU_TOKEN" &
    # This run's endpoints: the project's, plus where the NLU server is (the token stays in var/, mode 0600).
    (umask 077; { cat "$ENDPOINTS"; printf '\n# Added by scripts/run.sh for this run.\nnlu:\n  url: "http://127.0.0.1:%s"\n  token: "%s"\n' \
      "$NLU_PORT" "$NLU_TOKEN"; } > var/endpoints.run.yml)
    ENDPOINTS=var/endpoints.run.yml
  fi
fi
# Crisis alerts: reads crisis turns from the tracker store, so it works even with the action server down.
keep_running $BIN/python -m recovery_support.alerts.worker &
# Staff app: transcripts, crisis queue, review, exports, writing to a person (create the first admin: see README).
# Rasa's socket.io channel and the staff app share this token for staff messages to web chats; a fresh one per run.
export STAFF_RELAY_TOKEN=${STAFF_RELAY_TOKEN:-$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(32))')}
export RASA_URL=${RASA_URL:-http://localhost:${RASA_PORT:-5005}}
keep_running $BIN/python -m recovery_support.staff.app --port "${STAFF_PORT:-8090}" &
# The demo clinic page and the chat widget (web/); the widget's origin may call Rasa (socket.io long-polling).
WEB_PORT=${WEB_PORT:-8080}
# The pages allowed to open the chat's socket: the demo page (add the clinic's site in production).
export SOCKETIO_ALLOWED_ORIGINS=${SOCKETIO_ALLOWED_ORIGINS:-http://localhost:$WEB_PORT,http://127.0.0.1:$WEB_PORT}
keep_running $BIN/python web/serve.py --port "$WEB_PORT" --rasa-url "http://localhost:${RASA_PORT:-5005}" &
if [ "$REPLICAS" -gt 1 ]; then
  $BIN/python -m recovery_support.replicas --replicas "$REPLICAS" --chat-port "${RASA_PORT:-5005}" \
    --actions-port "${ACTIONS_PORT:-5055}" --database-url "$DATABASE_URL" \
    --cors "http://localhost:$WEB_PORT" "http://127.0.0.1:$WEB_PORT" &
else
  # --cors takes every argument after it, so it comes last.
  $BIN/rasa run --model models/clinic.tar.gz --port "${RASA_PORT:-5005}" \
    --endpoints "$ENDPOINTS" --credentials "$CREDENTIALS" \
    --cors "http://localhost:$WEB_PORT" "http://127.0.0.1:$WEB_PORT" &
fi
CHAT_PID=$!
echo "Starting: chat on http://localhost:${RASA_PORT:-5005}/webhooks/rest/webhook (REST) and socket.io;" \
     "NLU server on 127.0.0.1:${NLU_PORT:-5006}; actions on :${ACTIONS_PORT:-5055}; crisis alert worker (acknowledge links) on :5056;" \
     "demo page with the chat widget on http://localhost:$WEB_PORT/demo/; staff app on http://localhost:${STAFF_PORT:-8090}/"
wait "$CHAT_PID"
