#!/usr/bin/env bash
# Builds trimmed, self-contained releases for linux-arm64 (Raspberry Pi 4/5, 64-bit OS) and linux-x64
# (industrial PCs) into dist/edgeanomaly-<rid>.tar.gz: the daemon `edgeanomaly`, configs, systemd unit and installer,
# and the zero-install demo in demo/ (its own self-contained folder: it carries the simulator and the embedded broker
# the daemon never loads, and a trimmed app's framework files are trimmed for that app alone).
# Fails if the trimmer reports any warning.
set -euo pipefail
cd "$(dirname "$0")"
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
rids=${RIDS:-"linux-arm64 linux-x64"}
mkdir -p dist
for rid in $rids; do
  out="out/publish/$rid"
  stage="dist/edgeanomaly-$rid"
  log="out/publish-$rid.log"
  rm -rf "$out" "$stage"
  mkdir -p "$(dirname "$log")"
  echo "publish.sh: $rid ($version)"
  publish() { # project, output folder
    dotnet publish "$1" -c Release -r "$rid" --self-contained true \
      -p:PublishTrimmed=true -p:TrimmerSingleWarn=false -p:InformationalVersion="$version" \
      -p:DebugType=none -p:GenerateDocumentationFile=false -o "$2" -nologo 2>&1 | tee -a "$log"
  }
  : >"$log"
  publish src/EdgeAnomaly.Gateway/EdgeAnomaly.Gateway.csproj "$out"
  rm -rf "$out-demo"
  publish src/EdgeAnomaly.Demo/EdgeAnomaly.Demo.csproj "$out-demo"
  warnings=$( (grep -E 'warning (IL|NETSDK)[0-9]+' "$log" || true) | sort -u | wc -l)
  if [ "$warnings" -ne 0 ]; then
    echo "publish.sh: $rid: $warnings trim/publish warnings (see $log)" >&2
    exit 1
  fi
  mkdir -p "$stage/configs" "$stage/systemd"
  cp -a "$out/." "$stage/"
  mkdir -p "$stage/demo"
  cp -a "$out-demo/." "$stage/demo/"
  cat >"$stage/CONTENTS.txt" <<TXT
edgeanomaly $version ($rid)
  edgeanomaly             the gateway daemon and its CLI (run, config check, events, model, modbus); what
                          systemd/edgeanomaly.service starts. Holds no simulator and no embedded broker.
  demo/edgeanomaly-demo   the zero-install demo: embedded MQTT broker, simulated ESP32 fleet with injected faults,
                          the gateway and a central subscriber in one process; prints a JSON summary. Not installed.
  configs/                example gateway config, rules and a local mosquitto config
  systemd/                the unit file and install.sh
TXT
  cp configs/edgeanomaly.json configs/rules.yaml configs/mosquitto-local.conf "$stage/configs/"
  cp systemd/edgeanomaly.service systemd/install.sh "$stage/systemd/"
  cp README.md "$stage/"
  tar -C dist -czf "dist/edgeanomaly-$rid.tar.gz" "edgeanomaly-$rid"
  rm -rf "$stage"
  echo "publish.sh: dist/edgeanomaly-$rid.tar.gz ($(du -h "dist/edgeanomaly-$rid.tar.gz" | cut -f1), 0 trim warnings; daemon folder $(du -sb "$out" | cut -f1) bytes)"
done
