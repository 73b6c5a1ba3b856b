#!/usr/bin/env bash
# The README's five-minute quickstart as one script: start the stack, create a device key inside
# a SoftHSM2 token, provision, transfer, suspend, read the history, restart, show again.
# Run from the repository root: bash examples/quickstart/quickstart.sh
# (examples/quickstart/quickstart.test.ts runs it with a temporary data directory and free ports:
# VERIOT_CHAIN_PORT, VERIOT_MQTT_PORT and VERIOT_HTTP_PORT set to 0.)
set -euo pipefail

export VERIOT_DATA_DIR="${VERIOT_DATA_DIR:-$PWD/.veriot}"
VERIOT=${VERIOT:-npx veriot}
trap '$VERIOT down >/dev/null 2>&1 || true' EXIT

$VERIOT up --detach
$VERIOT status

# A SoftHSM2 token of our own, and a P-256 key generated inside it.
export SOFTHSM2_CONF="$VERIOT_DATA_DIR/softhsm2.conf"
mkdir -p "$VERIOT_DATA_DIR/tokens"
echo "directories.tokendir = $VERIOT_DATA_DIR/tokens" > "$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label veriot --so-pin 5678 --pin 1234
export VERIOT_PKCS11_PIN=1234

KEY='pkcs11:token=veriot;object=sensor-1'
$VERIOT key create "$KEY"

$VERIOT device provision --key "$KEY" --model coldchain-sensor --firmware 1.0.0 --activate
ID=$($VERIOT key show "$KEY" --json | node -pe 'JSON.parse(require("fs").readFileSync(0)).deviceId')
$VERIOT device show "$ID"

$VERIOT device transfer "$ID" 0x70997970C51812dc3A010C7d01b50e0d17dc79C8
$VERIOT device suspend "$ID" --reason "tamper alarm"
$VERIOT device history "$ID"

$VERIOT down
$VERIOT up --detach && $VERIOT device show "$ID"
