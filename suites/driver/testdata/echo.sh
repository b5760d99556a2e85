# A correct driver: every call answers 200 with its path as the body.
. "$(dirname "$0")/lib.sh"
while IFS= read -r line; do
	id=$(id_of "$line")
	case $line in
	*'"op":"configure"'*) ok "$id" ;;
	*'"op":"call"'*) answer "$id" 200 "$(path_of "$line")" ;;
	*'"op":"close"'*) ok "$id"; exit 0 ;;
	esac
done
