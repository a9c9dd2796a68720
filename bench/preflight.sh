# Sourced by the bench scripts after they build: checks that the binaries
# they run exist and that nothing else answers on the port they measure.
# Expects SERVER_BIN, BENCH_BIN and BASE_URL to be set.

for bin in "$SERVER_BIN" "$BENCH_BIN"; do
    if [[ ! -x "$bin" ]]; then
        echo "missing $bin (run without --no-build, or set SERVER_BIN / BENCH_BIN)" >&2
        exit 1
    fi
done

# Refuse to measure whatever else might be listening on the port.
if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE_URL/" || true)" != "000" ]]; then
    echo "something already answers on $BASE_URL; stop it or set PORT=..." >&2
    exit 1
fi
