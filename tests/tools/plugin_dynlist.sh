#!/bin/sh
# plugin_dynlist.sh API_HEADER 'BINARY_OBJECTS' PLUGIN_OBJECTS...
# Prints the binary's dynamic symbol list: the functions ui/plugin_api.h
# offers plugins. Fails, naming them, if a plugin calls a function of the
# binary that the list does not offer.
api=$1 objs=$2
shift 2
tmp=${TMPDIR:-/tmp}/vmst-dynlist.$$
trap 'rm -f "$tmp".*' EXIT
grep -o 'X([a-z_0-9]*)' "$api" | sed 's/^X(\(.*\))$/\1/' | sort -u > "$tmp.api"
# shellcheck disable=SC2086
nm --defined-only -g --format=posix $objs | awk '$2 ~ /^[TDBR]$/ { print $1 }' | sort -u > "$tmp.ours"
nm -u --format=posix "$@" | awk '$2 == "U" { print $1 }' | sort -u > "$tmp.used"
comm -12 "$tmp.used" "$tmp.ours" | comm -23 - "$tmp.api" > "$tmp.bad"
if [ -s "$tmp.bad" ]; then
	echo "plugins call functions that $api does not offer:" $(cat "$tmp.bad") >&2
	exit 1
fi
{ echo '{'; sed 's/^/  /; s/$/;/' "$tmp.api"; echo '};'; }
