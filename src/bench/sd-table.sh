#!/bin/sh
# The DiffSeg columns of issue 14's table in one command: a random SD 1.5 (init-model --preset sd15 --seed 1, about
# 4 GB, written once), then `diffseg bench` at each size (UNet batch 2), one fresh JVM per size. Prints one row per
# measurement: median ms, the part's user/sys CPU seconds (warm-up included), its peak RSS over the weight bytes; then
# the JVM's wall, user and sys seconds and the allocator in force.
#
#   src/bench/sd-table.sh                      # sizes 256 and 512, 3 timed repetitions
#   SIZES=256 REPEAT=1 src/bench/sd-table.sh   # quicker
#   JAVA_OPTS=-Ddiffseg.malloc=off src/bench/sd-table.sh   # glibc's defaults, for comparison
#
# Environment: JAR (default target/diffseg.jar, built by `mvn package`), MODEL (default $TMPDIR/diffseg-sd15-seed1),
# SIZES, REPEAT, PARTS (bench --parts), JAVA_OPTS. Timings compare side by side on one machine, never absolute.
set -eu
JAR=${JAR:-target/diffseg.jar}
MODEL=${MODEL:-${TMPDIR:-/tmp}/diffseg-sd15-seed1}
SIZES=${SIZES:-256 512}
REPEAT=${REPEAT:-3}
PARTS=${PARTS:-text_encode,unet_forward,vae_encode_backward,vae_encode_backward_plain,vae_decode}
JAVA_OPTS=${JAVA_OPTS:-}
[ -f "$JAR" ] || { echo "sd-table: $JAR is missing: run 'mvn -B package -DskipTests' first (or set JAR)." >&2; exit 1; }
if [ ! -f "$MODEL/model_index.json" ]; then
	echo "sd-table: writing a random SD 1.5 to $MODEL (about 4 GB) ..." >&2
	java $JAVA_OPTS -jar "$JAR" init-model --preset sd15 --seed 1 --out "$MODEL" >&2
fi

# a number field of the bench's JSON: num JSON KEY
num() { printf '%s' "$1" | sed -n "s/.*\"$2\": \([-0-9.eE]*\).*/\1/p"; }
# the user or sys seconds of a part: cpu JSON PART user|sys
cpu() { printf '%s' "$1" | sed -n "s/.*\"$2\": {\"wall_s\": [0-9.]*, \"user_s\": \([0-9.]*\), \"sys_s\": \([0-9.]*\).*/\\$([ "$3" = user ] && echo 1 || echo 2)/p"; }

for size in $SIZES; do
	json=$(java $JAVA_OPTS -jar "$JAR" bench --model "$MODEL" --size "$size" --batch 2 --repeat "$REPEAT" --parts "$PARTS")
	echo "size $size, batch 2, repeat $REPEAT, threads $(num "$json" torch_threads)"
	printf '  %-28s %10s %8s %8s %10s\n' part "median ms" "user s" "sys s" "peak/wts"
	for part in $(echo "$PARTS" | tr , ' '); do
		printf '  %-28s %10s %8s %8s %10s\n' "$part" "$(num "$json" "${part}_ms")" "$(cpu "$json" "$part" user)" \
			"$(cpu "$json" "$part" sys)" "$(num "$json" "${part}_peak_over_weights")"
	done
	printf '  %-28s wall %s s, user %s s, sys %s s (sys share %s)\n' "whole bench" "$(num "$json" total_wall_s)" \
		"$(num "$json" total_user_s)" "$(num "$json" total_sys_s)" "$(num "$json" total_sys_share)"
	echo "  allocator: $(printf '%s' "$json" | sed -n 's/.*"allocator": "\([^"]*\)".*/\1/p')"
	echo "  weights: $(printf '%s' "$json" | sed -n 's/.*"weights": "\([^"]*\)".*/\1/p')"
done
