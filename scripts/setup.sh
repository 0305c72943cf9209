#!/usr/bin/env bash
# Installs what provision and its tests need on Debian 12 (run as root), then
# the npm dependencies, which also builds the CLI. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# ansible (ansible-inventory, ansible, ansible-vault) and apache2-utils (htpasswd) are the oracles
# that the differential tests compare provision with; python3-dotenv and python3-psycopg2 (libpq)
# read back what the template encoders write (test/oracle/encoders.test.ts); git builds the local
# personal-analytics repository of the guides' real install paths (test/fixtures/upstream/build.py);
# chromium loads the HTML run report in a real browser, xmllint and python3-junitparser read the
# --junit XML (test/integration/report-*.test.ts).
packages=(openssh-server openssh-client debootstrap systemd-container nftables iproute2 curl ca-certificates sudo ansible apache2-utils python3-dotenv python3-psycopg2 git chromium libxml2-utils python3-junitparser)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
# Test hosts run Debian 13 as well (provision test's default): Debian 12's debootstrap builds it,
# but only with the trixie archive keys, which came in debian-archive-keyring 2023.3+deb12u2.
keyring=$(dpkg-query -W -f='${Version}' debian-archive-keyring 2>/dev/null || true)
if [ -z "$keyring" ] || dpkg --compare-versions "$keyring" lt 2023.3+deb12u2; then
  missing+=(debian-archive-keyring) # apt-get install upgrades it to the current one
fi
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "setup: provision needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "       Debian 12's own nodejs is 18; install Node 20 from your usual source first." >&2
  exit 1
fi

npm ci --no-audit --no-fund
