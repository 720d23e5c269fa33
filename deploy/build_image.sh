#!/usr/bin/env bash
# Builds the orbitfl container image with podman, offline from registries:
#  1. installs podman, runc and debootstrap from Debian if missing, and
#     points podman at runc with no default ulimits (crun fails on
#     cgroups and rlimits on these machines);
#  2. makes a Debian 12 minbase root with debootstrap (cached in
#     ~/.cache/orbitfl-rootfs) and imports it as
#     localhost/debian-minbase:bookworm;
#  3. builds orbitfl (-c opt) and the image localhost/orbitfl:latest from
#     deploy/Containerfile.
#
#   deploy/build_image.sh [--tag=NAME]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
tag=localhost/orbitfl:latest
for a in "$@"; do
  case "$a" in
    --tag=*) tag=${a#*=} ;;
    *) echo "usage: deploy/build_image.sh [--tag=NAME]" >&2; exit 2 ;;
  esac
done
log() { echo "[build_image] $*" >&2; }
missing=()
for p in podman runc debootstrap; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
conf=/etc/containers/containers.conf
if ! grep -qs 'orbitfl' "$conf"; then
  log "configuring podman ($conf): runc, no default ulimits"
  mkdir -p /etc/containers
  cat >>"$conf" <<'CONF'
# orbitfl (deploy/build_image.sh): crun fails on cgroups and rlimits here.
[containers]
default_ulimits = []
[engine]
runtime = "runc"
CONF
fi
if ! podman image exists localhost/debian-minbase:bookworm; then
  rootfs=$HOME/.cache/orbitfl-rootfs
  if [[ ! -x "$rootfs/bin/bash" ]]; then
    log "debootstrap --variant=minbase bookworm (a few minutes)"
    rm -rf "$rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
  fi
  log "importing the root as localhost/debian-minbase:bookworm"
  tar -C "$rootfs" -c . | podman import - localhost/debian-minbase:bookworm >/dev/null
fi
log "building orbitfl"
bazel build -c opt //sim:orbitfl >/dev/null 2>&1 || bazel build -c opt //sim:orbitfl
bin=$(bazel info -c opt bazel-bin 2>/dev/null)/sim
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/bin"
cp "$bin/orbitfl" "$bin/orbitfl_sim" "$context/bin/"
cp -r experiments "$context/experiments"
rm -rf "$context/experiments/bench/.npm"
log "podman build -t $tag"
podman build --runtime /usr/sbin/runc --network=host -f deploy/Containerfile \
  -t "$tag" "$context"
log "done: $tag"
