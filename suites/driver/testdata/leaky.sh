# Leaves a background child behind (its pid in $PIDFILE) and answers
# close with ok before exiting 0: Close must still kill the child.
. "$(dirname "$0")/lib.sh"
sleep 60 &
echo $! >"$PIDFILE"
configure
IFS= read -r line
ok "$(id_of "$line")"
