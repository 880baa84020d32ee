#!/bin/bash
# Start script of Herald's Synapse image.
#
# Inputs:  SERVER_NAME (required), /complement/ca/ca.crt and ca.key (required),
#          HERALD_LOG_LEVEL (optional, default INFO; read when the log config
#          is first written).
# State:   everything lives under /data. Config, signing key and TLS key are
#          written only when absent, so a stopped container starts again with
#          the same identity and data.
set -euo pipefail

# log, die, SERVER_NAME, CA_DIR, DATA, TLS_DIR and prepare_ca_and_tls.
. /usr/local/lib/herald/ca-and-tls.sh

LOG_LEVEL="${HERALD_LOG_LEVEL:-INFO}"
LOG_LEVEL="${LOG_LEVEL^^}"

CONFIG="$DATA/homeserver.yaml"
LOG_CONFIG="$DATA/log.yaml"
SIGNING_KEY="$DATA/signing.key"

# The test CA, trusted system-wide, and the TLS certificate.
prepare_ca_and_tls "$DATA/media_store"

# --- Matrix signing key (Synapse's format: "ed25519 <key id> <unpadded
# base64 seed>"). The 32-byte seed is the tail of openssl's PKCS#8 DER.
if [ ! -s "$SIGNING_KEY" ]; then
    key_id="a_$(openssl rand -hex 2)"
    seed="$(openssl genpkey -algorithm ed25519 -outform DER | tail -c 32 | base64 -w0 | tr -d '=')"
    (umask 077 && echo "ed25519 $key_id $seed" > "$SIGNING_KEY")
    log "made signing key ed25519:$key_id"
fi

# --- Logging: everything to stdout, so `docker logs` has it.
if [ ! -s "$LOG_CONFIG" ]; then
    cat > "$LOG_CONFIG" <<EOF
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    stream: ext://sys.stdout
    formatter: precise
loggers:
  twisted:
    level: WARNING
  synapse.storage.SQL:
    level: INFO
root:
  level: $LOG_LEVEL
  handlers: [console]
disable_existing_loggers: false
EOF
fi

# --- homeserver.yaml
if [ ! -s "$CONFIG" ]; then
    log "writing $CONFIG for $SERVER_NAME"
    cat > "$CONFIG" <<EOF
# Written by Herald's start script. Test-only settings: do not copy to a
# production server.
server_name: "$SERVER_NAME"
pid_file: $DATA/homeserver.pid
report_stats: false
enable_metrics: false
log_config: $LOG_CONFIG
signing_key_path: $SIGNING_KEY
media_store_path: $DATA/media_store

database:
  name: sqlite3
  args:
    database: $DATA/homeserver.db

# 8008: plain HTTP, client-server API (and federation, for convenience).
# 8448: TLS, federation and key server: what other servers dial. The client
# resource is served once only: Synapse registers per-listener metrics for it
# and logs an error when two listeners carry it.
listeners:
  - port: 8008
    type: http
    tls: false
    bind_addresses: ['0.0.0.0']
    x_forwarded: false
    resources:
      - names: [client, federation]
        compress: false
  - port: 8448
    type: http
    tls: true
    bind_addresses: ['0.0.0.0']
    x_forwarded: false
    resources:
      - names: [federation]
        compress: false

tls_certificate_path: $TLS_DIR/server.crt
tls_private_key_path: $TLS_DIR/server.key

# Outbound federation trusts the test CA (this list replaces the default
# roots for federation). Other outbound HTTPS uses the system store, where
# the start script installed the same CA.
federation_verify_certificates: true
federation_custom_ca_list:
  - $CA_DIR/ca.crt

# Mock servers live on the docker bridge gateway (private 172.x) or loopback:
# block no address range, allow every domain.
ip_range_blacklist: []
ip_range_whitelist: []

# Fetch keys from the origin server only; never ask a notary.
trusted_key_servers: []
suppress_key_server_warning: true

# Registration: shared-secret admin API plus open registration.
registration_shared_secret: "complement"
enable_registration: true
enable_registration_without_verification: true
enable_registration_captcha: false
bcrypt_rounds: 4

# Presence is not what Herald tests, and it costs Synapse CPU on every
# request and sync (and federation traffic to the mock servers).
presence:
  enabled: false

allow_public_rooms_over_federation: true
url_preview_enabled: false

# Rate limits effectively off.
rc_message: &herald_unlimited
  per_second: 1000000
  burst_count: 1000000
rc_registration: *herald_unlimited
rc_registration_token_validity: *herald_unlimited
rc_login:
  address: *herald_unlimited
  account: *herald_unlimited
  failed_attempts: *herald_unlimited
rc_admin_redaction: *herald_unlimited
rc_joins:
  local: *herald_unlimited
  remote: *herald_unlimited
rc_joins_per_room: *herald_unlimited
rc_key_requests: *herald_unlimited
rc_3pid_validation: *herald_unlimited
rc_invites:
  per_room: *herald_unlimited
  per_user: *herald_unlimited
  per_issuer: *herald_unlimited
rc_third_party_invite: *herald_unlimited
rc_media_create: *herald_unlimited
rc_presence:
  per_user: *herald_unlimited
rc_delayed_event_mgmt: *herald_unlimited
rc_room_creation: *herald_unlimited
rc_reports: *herald_unlimited
rc_user_directory: *herald_unlimited
rc_federation:
  window_size: 1000
  sleep_limit: 1000000
  sleep_delay: 1
  reject_limit: 1000000
  concurrent: 1000000
federation_rr_transactions_per_room_per_second: 1000000
EOF
fi

log "starting Synapse as $SERVER_NAME"
exec python3 -m synapse.app.homeserver --config-path "$CONFIG"
