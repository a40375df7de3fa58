# start the split scoring loops once the first loops' last passes (pids 7389, 6580) end
D=/work/wth9/benchmarks/data/foreign_s57; cd /tmp/h9s57/run
for S in 87 88; do
  P=7389; [ $S = 88 ] && P=6580
  ( while kill -0 $P 2>/dev/null; do sleep 5; done
    if [ $S = 87 ]; then A=relu_cnn,ln_gelu_cnn,sigmoid_cnn,mlp,silu_mlp; B=bn_cnn,leaky_strided_cnn,lenet_tanh_avg,elu_dropout_cnn,relu_strided_cnn
    else A=relu_strided_cnn,elu_dropout_cnn,lenet_tanh_avg,leaky_strided_cnn,bn_cnn; B=silu_mlp,mlp,sigmoid_cnn,ln_gelu_cnn,relu_cnn; fi
    nohup bash $D/score8x.sh $S 01:05:00 $A "" > $D/score${S}A.log 2>&1 &
    nohup bash $D/score8x.sh $S 01:05:00 $B B > $D/score${S}B.log 2>&1 &
    echo "seed $S split loops started $(date -u +%T)" ) &
done
wait
