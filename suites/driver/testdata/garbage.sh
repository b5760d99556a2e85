# Prints a log line to stdout instead of stderr when it gets a call.
. "$(dirname "$0")/lib.sh"
configure
IFS= read -r line
echo "hello"
answer "$(id_of "$line")" 200 late
cat >/dev/null
