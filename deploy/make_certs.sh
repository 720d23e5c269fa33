#!/usr/bin/env bash
# Certificates for mutual TLS between orbitfl's processes: a CA, then one
# key and certificate per NAME, signed by it, for both server and client
# use. Every certificate names the role orbitfl.service (what clients
# check, whatever address they dial) and NAME; a node's also names the
# satellites it hosts, the only ones the aggregator accepts uploads for.
#
#   deploy/make_certs.sh DIR NAME[=SATELLITE,SATELLITE...] ...
#   e.g. deploy/make_certs.sh certs aggregator coordinator \
#          node-0=sat-00-00,sat-00-01 node-1=sat-01-00,sat-01-01
#
# Writes DIR/ca.pem (and ca.key), DIR/NAME.pem and DIR/NAME.key; pass
# --tls=DIR --tls-name=NAME to each process.
set -euo pipefail
if (($# < 2)); then
  echo "usage: deploy/make_certs.sh DIR NAME[=SATELLITE,...] ..." >&2
  exit 2
fi
command -v openssl >/dev/null || { echo "make_certs.sh: needs openssl" >&2; exit 2; }
dir=$1
shift
mkdir -p "$dir"
if [[ ! -f "$dir/ca.pem" ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 3650 \
    -subj "/CN=orbitfl CA" 2>/dev/null
fi
for spec in "$@"; do
  name=${spec%%=*}
  sats=""
  [[ "$spec" == *=* ]] && sats=${spec#*=}
  if ! [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]]; then
    echo "make_certs.sh: \"$name\": a name is letters, digits, '.', '_' or '-'" >&2
    exit 2
  fi
  san="DNS:orbitfl.service,DNS:$name"
  IFS=, read -ra list <<<"$sats"
  for s in "${list[@]}"; do [[ -n "$s" ]] && san+=",DNS:$s"; done
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "/CN=$name" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -out "$dir/$name.pem" -days 365 \
    -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san") \
    2>/dev/null
  rm -f "$dir/$name.csr"
  echo "$dir/$name.pem: $san"
done
