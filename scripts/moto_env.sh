# Sourced by the measuring scripts: starts moto and the metering bridge in front of it on free
# ports, stops both on exit, and waits until both answer. Sets moto_port and bridge_port.
python3 -c 'import moto, boto3, cbor2' || { echo "pip install -r scripts/requirements-test.txt" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
moto_port=$(free_port) bridge_port=$(free_port)
python3 scripts/moto_server.py -H 127.0.0.1 -p "$moto_port" >/dev/null 2>&1 & moto=$!
python3 scripts/moto_bridge.py --port "$bridge_port" --upstream "http://127.0.0.1:$moto_port" >/dev/null & bridge=$!
trap 'kill $moto $bridge 2>/dev/null' EXIT
for _ in $(seq 100); do
  (echo >/dev/tcp/127.0.0.1/"$moto_port") 2>/dev/null && (echo >/dev/tcp/127.0.0.1/"$bridge_port") 2>/dev/null && break
  sleep 0.2
done
