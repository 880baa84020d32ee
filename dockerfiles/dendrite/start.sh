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

log() { echo "herald-start: $*" >&2; }
die() { log "error: $*"; exit 1; }

: "${SERVER_NAME:?SERVER_NAME must be set}"
LOG_LEVEL="${HERALD_LOG_LEVEL:-info}"
LOG_LEVEL="${LOG_LEVEL,,}"

CA_DIR=/complement/ca
DATA=/data
TLS_DIR="$DATA/tls"
CONFIG="$DATA/dendrite.yaml"
SIGNING_KEY="$DATA/matrix_key.pem"

[ -s "$CA_DIR/ca.crt" ] || die "$CA_DIR/ca.crt is missing: copy the test CA in before starting"
[ -s "$CA_DIR/ca.key" ] || die "$CA_DIR/ca.key is missing: copy the test CA in before starting"
mkdir -p "$DATA" "$TLS_DIR" "$DATA/media" "$DATA/jetstream" "$DATA/searchindex"

# --- Trust the test CA system-wide. Dendrite's federation client and its
# identity-server calls both use Go's default roots, read from this store.
# Done on every start: it is cheap and picks up a CA replaced meanwhile.
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
