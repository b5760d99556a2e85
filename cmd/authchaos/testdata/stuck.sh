# A driver that configures and closes but never answers a call, as an
# SDK stuck on a lock does. Only shell builtins, so killing sh ends it.
while IFS= read -r line; do
	case $line in
	*'"op":"call"'*) ;;
	*'"op":"close"'*) id=${line#\{\"id\":}; id=${id%%,*}; printf '{"id":%s,"ok":true}\n' "$id"; exit 0 ;;
	*) id=${line#\{\"id\":}; id=${id%%,*}; printf '{"id":%s,"ok":true}\n' "$id" ;;
	esac
done
