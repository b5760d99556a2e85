# Helpers sourced by the fake drivers. The harness writes compact JSON with
# "id" first, which is all sed needs to know.
id_of() { printf '%s\n' "$1" | sed -n 's/^{"id":\([0-9]*\).*/\1/p'; }
path_of() { printf '%s\n' "$1" | sed -n 's/.*"path":"\([^"]*\)".*/\1/p'; }
ok() { printf '{"id":%s,"ok":true}\n' "$1"; }
answer() { printf '{"id":%s,"status":%s,"body":"%s","error":""}\n' "$1" "$2" "$3"; }
# configure reads the configure line and answers it ok. The protocol fixes
# its id at 1, and not forking sed keeps the handshake fast on a busy CI.
configure() { IFS= read -r line || exit 1; ok 1; }
