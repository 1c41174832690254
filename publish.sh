#!/usr/bin/env bash
# Builds trimmed, self-contained releases for linux-arm64 (Raspberry Pi 4/5, 64-bit OS) and linux-x64
# (industrial PCs) into dist/edgeanomaly-<rid>.tar.gz: binary, configs, systemd unit and installer.
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
  dotnet publish src/EdgeAnomaly.Gateway/EdgeAnomaly.Gateway.csproj -c Release -r "$rid" --self-contained true \
    -p:PublishTrimmed=true -p:TrimmerSingleWarn=false -p:InformationalVersion="$version" \
    -p:DebugType=none -p:GenerateDocumentationFile=false -o "$out" -nologo 2>&1 | tee "$log"
  warnings=$( (grep -E 'warning (IL|NETSDK)[0-9]+' "$log" || true) | sort -u | wc -l)
  if [ "$warnings" -ne 0 ]; then
    echo "publish.sh: $rid: $warnings trim/publish warnings (see $log)" >&2
    exit 1
  fi
  mkdir -p "$stage/configs" "$stage/systemd"
  cp -a "$out/." "$stage/"
  cp configs/edgeanomaly.json configs/rules.yaml configs/mosquitto-local.conf "$stage/configs/"
  cp systemd/edgeanomaly.service systemd/install.sh "$stage/systemd/"
  cp README.md "$stage/"
  tar -C dist -czf "dist/edgeanomaly-$rid.tar.gz" "edgeanomaly-$rid"
  rm -rf "$stage"
  echo "publish.sh: dist/edgeanomaly-$rid.tar.gz ($(du -h "dist/edgeanomaly-$rid.tar.gz" | cut -f1), 0 trim warnings)"
done
