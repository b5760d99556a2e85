# Answers configure, then never reads stdin again. No forks before the
# handshake: its test uses a short timeout.
IFS= read -r line
echo '{"id":1,"ok":true}'
exec sleep 60
