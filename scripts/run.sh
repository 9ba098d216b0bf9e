#!/usr/bin/env bash
# Builds everything and runs the service: the web package, the `ecard` binary (release), an
# offline demo card for the demo page, then `ecard serve` on 127.0.0.1:PORT (default 8080)
# with its embedded SQLite file and keys in ./data (created on first start; kept between runs).
# Installs what is missing first (scripts/ensure-tools.sh; idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '==> %s\n' "$*"; }
PORT=${PORT:-8080}

./scripts/ensure-tools.sh
say "building the web package"
python3 scripts/build-wasm.py
say "building the command line (release)"
cargo build --release -p ecard
ecard=target/release/ecard

demo=www/demo
say "making demo keys, credential and sync bundle in $demo (fresh each run)"
rm -rf "$demo" && mkdir -p "$demo"
$ecard keygen --kind root --out "$demo/root.key.json" >/dev/null
$ecard keygen --kind issuer --key-id 1 --out "$demo/issuer.key.json" >/dev/null
$ecard keygen --kind device --out "$demo/device.key.json" >/dev/null
device_pub=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["public"])' "$demo/device.key.json")
$ecard issue --issuer-key "$demo/issuer.key.json" --device-pub "$device_pub" --serial 1001 \
  --name "张三" --age 34 --region 410721 --valid-from "$(date +%F)" --days 7 \
  --out "$demo/credential.bin" >/dev/null
$ecard trust --root-key "$demo/root.key.json" --issuer "$demo/issuer.key.json" --list-version 1 \
  --out "$demo/trust.bin" >/dev/null
$ecard revoke --issuer-key "$demo/issuer.key.json" --list-version 1 --out "$demo/revocation.bin" >/dev/null
$ecard bundle --trust "$demo/trust.bin" --revocation "$demo/revocation.bin" --out "$demo/bundle.bin" >/dev/null
code=$($ecard code --device-key "$demo/device.key.json" --credential "$demo/credential.bin" \
  --scene museum --svg "$demo/code.svg")
say "a code for now (museum): ${code:0:40}…"
root_pub=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["public"])' "$demo/root.key.json")
$ecard verify "$code" --root-pub "$root_pub" --bundle "$demo/bundle.bin" --scene museum
# The page needs the device secret to sign codes; in the real app it is generated in the
# browser and never leaves it. Only public data and this demo device key are served.
python3 - "$demo" <<'PY'
import json, sys, pathlib
d = pathlib.Path(sys.argv[1])
cfg = {
    "root_public": json.loads((d / "root.key.json").read_text())["public"],
    "device_secret": json.loads((d / "device.key.json").read_text())["secret"],
}
(d / "demo.json").write_text(json.dumps(cfg))
for f in ("root.key.json", "issuer.key.json", "device.key.json"):
    (d / f).unlink()
PY
say "starting the service (Ctrl-C to stop); reviewers are added with:"
echo "    target/release/ecard admin add-reviewer --data ./data --username NAME --display-name 姓名  (password on stdin)"
exec "$ecard" serve --listen "127.0.0.1:$PORT" --data ./data --www www
