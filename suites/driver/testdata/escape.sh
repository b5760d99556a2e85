# A driver that starts a helper in a session of its own (setsid), out of
# the driver's process group, holding the driver's stdout and stderr, and
# then answers as echo.sh does, or, with CRASH set, exits 3 on the first
# call. The helper's pid goes to $PIDFILE. HELPER replaces "setsid" in the
# helper's command line ("env -i setsid" also drops the environment).
. "$(dirname "$0")/lib.sh"
${HELPER:-setsid} sleep 60 &
echo $! >"$PIDFILE"
while IFS= read -r line; do
	id=$(id_of "$line")
	case $line in
	*'"op":"configure"'*) ok "$id" ;;
	*'"op":"call"'*)
		[ -n "$CRASH" ] && exit 3
		answer "$id" 200 "$(path_of "$line")" ;;
	*'"op":"close"'*) ok "$id"; exit 0 ;;
	esac
done
