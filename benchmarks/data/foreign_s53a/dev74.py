# seed 74 (development): C's runs where rerun, else the stored run recalibrated with C's traits
import gzip, json, sys
sys.path.insert(0, "/work/wth9A/benchmarks")
from foreign_zoo_detect import recalibrate_row
from trojanscope.detect.calibration import load_calibrators
cals = load_calibrators()
act = {"hardswish_bn_cnn": "activation:hardswish", "mish_avg_cnn": "activation:mish"}
stored = [json.loads(l) for l in gzip.open("/work/wth9A/benchmarks/data/foreign_s52f/detect74_runs.jsonl.gz")]
rerun = {json.loads(l)["name"]: json.loads(l) for l in open("/tmp/h9As53/out74/cand74.jsonl")}
out = []
for r in stored:
    fam = r["name"].rsplit("-", 1)[0]
    if r["name"] in rerun:
        c = rerun[r["name"]]
        if fam in act:  # check: recalibration with C's traits reproduces the rerun
            rep = {**r["report"], "traits": sorted({*r["report"]["traits"], act[fam]})}
            x = recalibrate_row({**r, "report": rep}, cals, "C")
            print("check", r["name"], x["probability"], c["probability"], x["suspected_target"], c["suspected_target"])
        out.append(c)
    elif fam in act:
        rep = {**r["report"], "traits": sorted({*r["report"]["traits"], act[fam]})}
        out.append({**recalibrate_row({**r, "report": rep}, cals, "C"), "report": rep})
    else:
        print("missing", r["name"])
open("/tmp/h9As53/out74/cand74_full.jsonl", "w").write("".join(json.dumps(r) + "\n" for r in out))
for r in out:
    s = next(x for x in stored if x["name"] == r["name"])
    print(f"{r['name']:22s} bd {r['backdoored']!s:5s} default p {s['probability']:.4g} t {s['suspected_target']}  C p {r['probability']:.4g} t {r['suspected_target']}")
