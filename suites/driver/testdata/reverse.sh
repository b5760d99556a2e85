# Reads three calls before answering any, then answers them last first.
. "$(dirname "$0")/lib.sh"
configure
IFS= read -r a; IFS= read -r b; IFS= read -r c
for line in "$c" "$b" "$a"; do answer "$(id_of "$line")" 200 "$(path_of "$line")"; done
while IFS= read -r line; do
	case $line in *'"op":"close"'*) ok "$(id_of "$line")"; exit 0 ;; esac
done
