# Answers configure correctly, then answers every call with id 99.
. "$(dirname "$0")/lib.sh"
configure
while IFS= read -r line; do answer 99 200 x; done
