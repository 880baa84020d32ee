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

log() { echo "herald-start: $*" >&2; }
die() { log "error: $*"; exit 1; }

: "${SERVER_NAME:?SERVER_NAME must be set}"
LOG_LEVEL="${HERALD_LOG_LEVEL:-INFO}"
LOG_LEVEL="${LOG_LEVEL^^}"

CA_DIR=/complement/ca
DATA=/data
TLS_DIR="$DATA/tls"
CONFIG="$DATA/homeserver.yaml"
LOG_CONFIG="$DATA/log.yaml"
SIGNING_KEY="$DATA/signing.key"

[ -s "$CA_DIR/ca.crt" ] || die "$CA_DIR/ca.crt is missing: copy the test CA in before starting"
[ -s "$CA_DIR/ca.key" ] || die "$CA_DIR/ca.key is missing: copy the test CA in before starting"
mkdir -p "$DATA" "$TLS_DIR" "$DATA/media_store"

# --- Trust the test CA system-wide (identity servers, push, anything else
# that uses the platform trust store). Done on every start: it is cheap and
# picks up a CA that was replaced while the container was stopped.
install -m 0644 "$CA_DIR/ca.crt" /usr/local/share/ca-certificates/herald-test-ca.crt
update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed"

# --- TLS key and certificate for SERVER_NAME, signed by the test CA.
# The SAN names the host part of SERVER_NAME (a trailing :port is dropped);
# an IP literal gets an IP SAN.
tls_host="$SERVER_NAME"
if [[ "$tls_host" =~ ^\[(.*)\](:[0-9]+)?$ ]]; then
    tls_host="${BASH_REMATCH[1]}"
elif [[ "$tls_host" =~ ^([^:]+):[0-9]+$ ]]; then
    tls_host="${BASH_REMATCH[1]}"
fi
if [[ "$tls_host" =~ ^[0-9.]+$ || "$tls_host" == *:* ]]; then
    san="IP:$tls_host"
else
    san="DNS:$tls_host"
fi

make_tls() {
    log "making TLS key and certificate for $tls_host ($san)"
    # Private keys are created owner-only (umask), never readable in between.
    (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$TLS_DIR/server.key" 2>/dev/null)
    openssl req -new -key "$TLS_DIR/server.key" -subj "/CN=$tls_host" \
        -out "$TLS_DIR/server.csr"
    cat > "$TLS_DIR/server.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = $san
EOF
    # The CA key is Complement's kind: RSA, PKCS#1 PEM ("RSA PRIVATE KEY").
    openssl x509 -req -in "$TLS_DIR/server.csr" \
        -CA "$CA_DIR/ca.crt" -CAkey "$CA_DIR/ca.key" \
        -set_serial "0x$(openssl rand -hex 16)" -days 3650 \
        -extfile "$TLS_DIR/server.ext" -out "$TLS_DIR/server.crt" 2>/dev/null
    rm -f "$TLS_DIR/server.csr"
}

# Re-made only when missing, or when it no longer chains to the CA in place.
if [ -s "$TLS_DIR/server.key" ] && [ -s "$TLS_DIR/server.crt" ] \
   && openssl verify -CAfile "$CA_DIR/ca.crt" "$TLS_DIR/server.crt" >/dev/null 2>&1; then
    log "reusing TLS certificate in $TLS_DIR"
else
    make_tls
fi

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
