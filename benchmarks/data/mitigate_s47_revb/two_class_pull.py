"""Review revb (issue 12, stop 47): `suspect_margin.pull` on two classes, by hand.

One image of each class is wrongly taken by the other (no bias either way); the pull of class 0
is printed at each margin: before the review's fix `choose_margin` compared 1e9 with 0.35 here.
"""

import torch

from trojanscope.mitigate.suspect_margin import pull

y = torch.tensor([0] * 50 + [1] * 50)
logits = torch.zeros(100, 2)
logits[:, 0] = 1.0
logits[50:, 1] = 2.0
logits[50, 1] = 0.9  # one image of class 1 taken by class 0 (the suspect)
logits[0, 1] = 1.1  # one image of class 0 taken by class 1
for shift in (0.0, 0.25, 1.0):
    print(f"shift {shift}: pull {pull(logits, y, 0, shift):g}")
