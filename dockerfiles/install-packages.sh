#!/bin/sh
# Installs the Debian packages named as arguments into the runtime of one
# of Herald's images, the way every one of them does it. Run by a RUN step
# (sh install-packages.sh <package>…), which removes it afterwards.
#
# Debian sid's Release file can be past its Valid-Until date on a mirror
# snapshot, so validity checking is switched off for every apt-get call.
# Documentation, man pages and translations are never unpacked (size).
# The public (Mozilla) roots are deselected: the only CA a test server
# trusts is the run's test CA, which the start script adds with
# update-ca-certificates (about 0.1 s with one certificate, 1-2.5 s with the
# full set, on every boot).
set -eu

printf '%s\n' \
    'path-exclude=/usr/share/doc/*' \
    'path-include=/usr/share/doc/*/copyright' \
    'path-exclude=/usr/share/man/*' \
    'path-exclude=/usr/share/info/*' \
    'path-exclude=/usr/share/locale/*' \
    > /etc/dpkg/dpkg.cfg.d/herald-nodoc
apt-get -o Acquire::Check-Valid-Until=false update
DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false \
    install -y --no-install-recommends "$@"
apt-get clean
: > /etc/ca-certificates.conf
update-ca-certificates --fresh >/dev/null
rm -f /etc/ssl/certs/ca-certificates.crt
rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log
