"""Issue 12, stop 76 (h12b): the fresh zoos' recipe chosen from its own draw (no model trained or
read): each candidate set of sparse values, count range and attack list, the masks it draws on
seeds 2517/2518, the black masks' pixel counts and how many are under 75.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s76_h12b/draw.py
"""

from mitigate_edge_s70_zoo import edge_entries, parse_count, parse_values

TWELVE = "badnets,sparse,sparse,blended,sparse,sparse,sig,sparse,sparse,wanet,sparse,sparse"
for nb, att in [(12, TWELVE), (14, TWELVE + ",sparse,sparse")]:
    attacks = tuple(att.split(","))
    for vals in ["black,white,random", "black,random,white"]:
        for cnt in ["50,120", "50,110", "50,100"]:
            tot: dict[str, int] = {}
            sizes = []
            for s in (2517, 2518):
                ents = edge_entries(s, 3, nb, attacks, parse_values(vals), parse_count(cnt))
                for e in ents:
                    if e.attack == "sparse":
                        v = e.trigger["value"]
                        tot[v] = tot.get(v, 0) + 1
                        if v == "black":
                            sizes.append(e.trigger["count"])
            print(nb, vals, cnt, tot, sorted(sizes), sum(x < 75 for x in sizes), len(ents))
