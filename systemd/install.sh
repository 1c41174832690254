#!/usr/bin/env bash
# Installs EdgeAnomaly from an unpacked release tarball: binary to /opt/edgeanomaly, config to
# /etc/edgeanomaly (kept if present), a dedicated system user, and the systemd unit. Run as root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
[ -x "$root/edgeanomaly" ] || { echo "install.sh: $root/edgeanomaly not found (run from an unpacked release)" >&2; exit 1; }
# Before changing anything: the binary must be able to run here (architecture, glibc, OpenSSL). On a missing
# library it prints what to install.
"$root/edgeanomaly" --version >/dev/null || { echo "install.sh: $root/edgeanomaly cannot run on this machine (see above); nothing was installed" >&2; exit 1; }

getent group edgeanomaly >/dev/null || groupadd --system edgeanomaly
getent passwd edgeanomaly >/dev/null || useradd --system --gid edgeanomaly --home-dir /var/lib/edgeanomaly --no-create-home --shell /usr/sbin/nologin edgeanomaly
getent group gpio >/dev/null || groupadd --system gpio
for g in gpio dialout; do getent group "$g" >/dev/null && usermod -a -G "$g" edgeanomaly; done

install -d -m 0755 /opt/edgeanomaly
cp -a "$root/." /opt/edgeanomaly/
chown -R root:root /opt/edgeanomaly
install -d -m 0750 -o root -g edgeanomaly /etc/edgeanomaly
for f in edgeanomaly.json rules.yaml; do
  if [ ! -e "/etc/edgeanomaly/$f" ]; then
    install -m 0640 -o root -g edgeanomaly "$root/configs/$f" "/etc/edgeanomaly/$f"
  else
    echo "install.sh: keeping existing /etc/edgeanomaly/$f"
  fi
done
/opt/edgeanomaly/edgeanomaly config check --config /etc/edgeanomaly/edgeanomaly.json
install -m 0644 "$root/systemd/edgeanomaly.service" /etc/systemd/system/edgeanomaly.service
systemctl daemon-reload
systemctl enable --now edgeanomaly.service
echo "install.sh: installed; follow the logs with: journalctl -u edgeanomaly -f"
if [ ! -e /etc/mosquitto/conf.d/edgeanomaly.conf ]; then
  echo "install.sh: the nodes' local broker is not set up by this script: see /opt/edgeanomaly/configs/mosquitto-local.conf (apt-get install mosquitto, then the steps in its header)"
fi
