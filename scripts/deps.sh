#!/usr/bin/env bash
# Installs the Debian packages redraft needs to build, test and benchmark, and only
# those that are missing. libraft-dev 0.22 comes from bookworm-backports (bookworm's
# own 0.15 has a commit-rule safety bug), so the backports suite is added with the
# same mirror URI the machine already uses; no mirror host is hard-coded here.
set -euo pipefail

PKGS=(build-essential cmake pkg-config clang libclang-rt-14-dev python3
      libuv1-dev libsodium-dev libcriterion-dev liblua5.1-0-dev lua-cjson lua-bitop
      libjemalloc-dev redis-tools redis-server nodejs npm python3-redis)
BACKPORTS_PKGS=(libraft-dev)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm and python3 may come from elsewhere on a developer machine: accept any that work.
have_node=0; command -v node >/dev/null && command -v npm >/dev/null && have_node=1
have_py=0; command -v python3 >/dev/null && have_py=1
filtered=()
for p in "${missing[@]+"${missing[@]}"}"; do
  case "$p" in
    nodejs|npm) [ "$have_node" = 1 ] && continue ;;
    python3) [ "$have_py" = 1 ] && continue ;;
  esac
  filtered+=("$p")
done
missing=("${filtered[@]+"${filtered[@]}"}")
need_raft=0
if ! pkg-config --atleast-version=0.22.1 raft 2>/dev/null; then need_raft=1; fi

if [ "${#missing[@]}" -eq 0 ] && [ "$need_raft" = 0 ]; then
  echo "deps: all packages present"
  exit 0
fi

backports_uri() {
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^(http|https|ftp|file):/) {print $i; exit}}' /etc/apt/sources.list)
  fi
  echo "$uri"
}

if [ "$need_raft" = 1 ] && ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  uri=$(backports_uri)
  if [ -z "$uri" ]; then echo "deps: cannot find the Debian mirror URI to add bookworm-backports" >&2; exit 1; fi
  echo "deps: adding bookworm-backports from $uri"
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" \
    | $SUDO tee /etc/apt/sources.list.d/redraft-backports.sources >/dev/null
fi

echo "deps: installing ${missing[*]} $( [ $need_raft = 1 ] && echo libraft-dev/bookworm-backports)"
$SUDO apt-get update -qq
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$need_raft" = 1 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports "${BACKPORTS_PKGS[@]}" >/dev/null
fi
pkg-config --atleast-version=0.22.1 raft || { echo "deps: libraft >= 0.22.1 not available" >&2; exit 1; }
echo "deps: done"
