# Answers configure, then dies on the first call, as an SDK that panics.
. "$(dirname "$0")/lib.sh"
configure
IFS= read -r line
echo "panic: nil token in refresh" >&2
exit 2
