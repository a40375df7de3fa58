# Issue 12, stop 75 (h12; development, second pass): aug_last's variants with the reversed
# trigger stamped on the noisy copies too (stamp_all), on the outputs dev.sh cached (no `gated`
# run again): dev.sh with these variants. Usage: bash dev2.sh LIST OUT.jsonl
V="-v aug:epochs=5,teacher=own,stamp_all=1,noisy=4 -v aug:epochs=5,teacher=own,stamp_all=1 -v aug:epochs=3,teacher=own,stamp_all=1,noisy=4 -v aug:epochs=8,teacher=own,stamp_all=1,noisy=4" \
  bash "$(dirname "$0")/dev.sh" "$@"
