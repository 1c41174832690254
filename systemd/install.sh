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
# The local broker account (LocalBroker:Username "edgeanomaly" in the shipped config, configs/mosquitto-local.conf):
# a random password for the gateway, kept outside the JSON in the unit's EnvironmentFile, and the same account in
# mosquitto's password file when mosquitto is installed, so the shipped configs work together without editing.
secrets=/etc/edgeanomaly/secrets.env
if [ ! -e "$secrets" ]; then
  password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 24)
  umask 027
  printf 'EDGEANOMALY_LocalBroker__Password=%s\n' "$password" >"$secrets"
  umask 022
  chown root:edgeanomaly "$secrets"; chmod 0640 "$secrets"
  if command -v mosquitto_passwd >/dev/null 2>&1; then
    passwd_file=/etc/mosquitto/edgeanomaly.passwd
    [ -e "$passwd_file" ] || { install -m 0640 -o root -g "$(getent group mosquitto >/dev/null && echo mosquitto || echo root)" /dev/null "$passwd_file"; }
    mosquitto_passwd -b "$passwd_file" edgeanomaly "$password"
    echo "install.sh: local broker account 'edgeanomaly' set in $passwd_file (password in $secrets)"
  else
    echo "install.sh: wrote a password for the local broker account 'edgeanomaly' to $secrets; add the same account to mosquitto (configs/mosquitto-local.conf header)"
  fi
  unset password
else
  echo "install.sh: keeping existing $secrets"
fi
/opt/edgeanomaly/edgeanomaly config check --config /etc/edgeanomaly/edgeanomaly.json
install -m 0644 "$root/systemd/edgeanomaly.service" /etc/systemd/system/edgeanomaly.service
systemctl daemon-reload
systemctl enable --now edgeanomaly.service
echo "install.sh: installed; follow the logs with: journalctl -u edgeanomaly -f"
if [ ! -e /etc/mosquitto/conf.d/edgeanomaly.conf ]; then
  echo "install.sh: the nodes' local broker is not set up by this script: see /opt/edgeanomaly/configs/mosquitto-local.conf (apt-get install mosquitto, then the steps in its header)"
fi
