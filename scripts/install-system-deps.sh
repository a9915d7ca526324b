#!/usr/bin/env bash
# System packages some tests drive for real: Chromium (browser tests) and Dovecot (IMAP).
# Idempotent. Installs only as root (CI, fresh machines); otherwise says what is missing, and
# the tests that need it skip with that reason (under CI=true they fail instead).
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v dovecot >/dev/null 2>&1 || need+=(dovecot-imapd)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "note: ${need[*]} not installed (needs root: sudo apt-get install -y ${need[*]}); the tests that use them will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "installing system packages: ${need[*]}"
apt-get update -qq >/dev/null || true
if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
  echo "warning: could not install ${need[*]}" >&2
  [ "${CI:-}" = "true" ] && exit 1
fi
# Dovecot is started by the tests with their own configuration; keep the system one stopped.
if command -v doveadm >/dev/null 2>&1; then
  doveadm stop >/dev/null 2>&1 || true
fi
exit 0
