#!/bin/bash
# Start script of Herald's Dendrite image.
#
# Inputs:  SERVER_NAME (required), /complement/ca/ca.crt and ca.key (required),
#          HERALD_LOG_LEVEL (optional, default info; read when the config is
#          first written),
#          HERALD_ID_SERVERS (optional; space-separated host:port entries for
#          trusted_third_party_id_servers, read when the config is first
#          written; default: host.docker.internal:28400 … :28463, where
#          Herald's mock identity servers listen).
# State:   everything lives under /data. Config, signing key and TLS key are
#          written only when absent, so a stopped container starts again with
#          the same identity and data.
set -euo pipefail

# log, die, SERVER_NAME, CA_DIR, DATA, TLS_DIR and prepare_ca_and_tls.
. /usr/local/lib/herald/ca-and-tls.sh

LOG_LEVEL="${HERALD_LOG_LEVEL:-info}"
LOG_LEVEL="${LOG_LEVEL,,}"

CONFIG="$DATA/dendrite.yaml"
SIGNING_KEY="$DATA/matrix_key.pem"

# The test CA, trusted system-wide, and the TLS certificate.
prepare_ca_and_tls "$DATA/media" "$DATA/jetstream" "$DATA/searchindex"

# --- Matrix signing key, in Dendrite's own PEM format.
if [ ! -s "$SIGNING_KEY" ]; then
    (umask 077 && generate-keys --private-key "$SIGNING_KEY" >/dev/null)
    log "made signing key $(sed -n 's/^Key-ID: //p' "$SIGNING_KEY")"
fi

# --- dendrite.yaml. Only the settings that differ from Dendrite's defaults
# are written; Dendrite fills in the rest when it loads the file.
db() { echo "file:$DATA/dendrite_$1.db"; }

# Dendrite contacts only the identity servers listed in
# trusted_third_party_id_servers (exact host:port). Herald's mock identity
# servers listen on host.docker.internal at a port of 28400-28463 (the
# harness's identity.TrustedPorts: keep the two in step).
ID_SERVERS="${HERALD_ID_SERVERS:-$(for p in $(seq 28400 28463); do printf 'host.docker.internal:%s ' "$p"; done)}"
id_servers_yaml() {
    local s
    for s in $ID_SERVERS; do printf '\n    - "%s"' "$s"; done
}
if [ ! -s "$CONFIG" ]; then
    log "writing $CONFIG for $SERVER_NAME"
    cat > "$CONFIG" <<EOF
# Written by Herald's start script. Test-only settings: do not copy to a
# production server.
version: 2

global:
  server_name: "$SERVER_NAME"
  private_key: $SIGNING_KEY
  presence:
    enable_inbound: true
    enable_outbound: true
  # Identity servers are only contacted if listed here (exact host[:port]).
  trusted_third_party_id_servers:$(id_servers_yaml)
  jetstream:
    in_memory: false
    storage_path: $DATA/jetstream
  metrics:
    enabled: false
  report_stats:
    enabled: false
  server_notices:
    enabled: false
  dns_cache:
    enabled: false

client_api:
  registration_disabled: false
  registration_requires_token: false
  registration_shared_secret: "complement"
  enable_registration_captcha: false
  guests_disabled: false
  rate_limiting:
    enabled: false

federation_api:
  database:
    connection_string: $(db federationapi)
  # The CA is in the system store, so certificates are verified as usual.
  disable_tls_validation: false
  # Mock servers come and go; never reuse a pooled connection to one.
  disable_http_keepalives: true
  # No notary servers: fetch keys from the origin server only.
  key_perspectives: []
  prefer_direct_fetch: true
  # Mock servers are on the docker bridge gateway (private 172.x) or loopback.
  deny_networks: []
  allow_networks: []

key_server:
  database:
    connection_string: $(db keyserver)

media_api:
  database:
    connection_string: $(db mediaapi)
  base_path: $DATA/media

mscs:
  mscs: []
  database:
    connection_string: $(db mscs)

relay_api:
  database:
    connection_string: $(db relayapi)

room_server:
  database:
    connection_string: $(db roomserver)

sync_api:
  database:
    connection_string: $(db syncapi)
  search:
    enabled: true
    in_memory: false
    index_path: $DATA/searchindex
    language: en

user_api:
  # bcrypt's minimum cost: fast registration and login.
  bcrypt_cost: 4
  account_database:
    connection_string: $(db userapi)

logging:
  - type: std
    level: $LOG_LEVEL
EOF
fi

log "starting Dendrite as $SERVER_NAME"
exec dendrite \
    -config "$CONFIG" \
    -really-enable-open-registration \
    -http-bind-address :8008 \
    -https-bind-address :8448 \
    -tls-cert "$TLS_DIR/server.crt" \
    -tls-key "$TLS_DIR/server.key"
