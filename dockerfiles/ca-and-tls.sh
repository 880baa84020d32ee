# The part of Herald's image contract every one of Herald's start scripts
# shares: the test CA and the server's TLS certificate. Sourced (not run) by
# each image's start script, which has set -euo pipefail; installed as
# /usr/local/lib/herald/ca-and-tls.sh.
#
# Inputs:  SERVER_NAME (required), /complement/ca/ca.crt and ca.key (required).
# Defines: log and die; CA_DIR, DATA (where the server keeps all its state)
#          and TLS_DIR; prepare_ca_and_tls.

log() { echo "herald-start: $*" >&2; }
die() { log "error: $*"; exit 1; }

: "${SERVER_NAME:?SERVER_NAME must be set}"

CA_DIR=/complement/ca
DATA=/data
TLS_DIR="$DATA/tls"

# prepare_ca_and_tls checks that the test CA is in place, makes $DATA,
# $TLS_DIR and the further directories it is given, trusts the CA
# system-wide and makes (or reuses) the TLS key and certificate for
# SERVER_NAME in $TLS_DIR.
prepare_ca_and_tls() {
    [ -s "$CA_DIR/ca.crt" ] || die "$CA_DIR/ca.crt is missing: copy the test CA in before starting"
    [ -s "$CA_DIR/ca.key" ] || die "$CA_DIR/ca.key is missing: copy the test CA in before starting"
    mkdir -p "$DATA" "$TLS_DIR" "$@"

    # --- Trust the test CA system-wide: whatever in the server uses the
    # platform trust store (Dendrite's federation client and its
    # identity-server calls, which use Go's default roots; Synapse's calls
    # to identity servers, push, …) reads it from there. Done on every
    # start: it is cheap and picks up a CA that was replaced while the
    # container was stopped.
    install -m 0644 "$CA_DIR/ca.crt" /usr/local/share/ca-certificates/herald-test-ca.crt
    update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed"

    # --- TLS key and certificate for SERVER_NAME, signed by the test CA.
    # The SAN names the host part of SERVER_NAME (a trailing :port is
    # dropped); an IP literal gets an IP SAN.
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

    # Re-made only when missing, or when it no longer chains to the CA in place.
    if [ -s "$TLS_DIR/server.key" ] && [ -s "$TLS_DIR/server.crt" ] \
       && openssl verify -CAfile "$CA_DIR/ca.crt" "$TLS_DIR/server.crt" >/dev/null 2>&1; then
        log "reusing TLS certificate in $TLS_DIR"
    else
        make_tls
    fi
}

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
