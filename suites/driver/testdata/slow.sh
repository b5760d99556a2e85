# Answers /slow only after $SLOW seconds, everything else at once.
. "$(dirname "$0")/lib.sh"
while IFS= read -r line; do
	id=$(id_of "$line")
	case $line in
	*'"op":"configure"'*) ok "$id" ;;
	*'"path":"/slow"'*) sleep "$SLOW"; answer "$id" 200 slow ;;
	*'"op":"call"'*) answer "$id" 200 "$(path_of "$line")" ;;
	*'"op":"close"'*) ok "$id"; exit 0 ;;
	esac
done
