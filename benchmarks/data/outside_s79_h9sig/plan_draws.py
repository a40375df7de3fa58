import sys, numpy as np
sys.path[:0]=['src','benchmarks']
import outside_zoo as oz
seed=int(sys.argv[1]); freqs=tuple(range(2,13))
for item in oz.plan(seed,15):
    if not item['backdoored']: continue
    arch=item['arch_family']
    if arch not in ('gap_cnn','gap_relu','gap_leaky_bn','gap_cls_relu','res_gn'): continue
    rng=np.random.default_rng(item['draw']); oz.draw_recipe(rng,None)
    tgt=int(rng.integers(0,10)); spec=oz.draw_trigger(item['trigger_family'],rng)
    if item['trigger_family']=='sig':
        side=np.random.default_rng([*item['draw'],17]); f=int(side.choice(freqs))
    else: f=None
    print(item['name'], item['trigger_family'], tgt, f)
