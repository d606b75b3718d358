#!/usr/bin/env bash
# Prints the Debian mirror that apt on this machine uses (for debootstrap), deb.debian.org when none is found.
set -euo pipefail
mirror=$(
  { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'
  } | grep -v -e security -e '^cdrom:' | head -n1 || true
)
echo "${mirror:-http://deb.debian.org/debian}"
