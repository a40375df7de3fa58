# dev2.sh OUT.jsonl "ZOO:N:ONLY ..." [-p K=V ...]: the step reader over several zoos, one process
OUT=$1; SPECS=$2; shift 2
for s in $SPECS; do
  Z=${s%:*}; O=${s##*:}
  bash /tmp/h12b81/dev.sh $OUT $Z $O "$@"
done
