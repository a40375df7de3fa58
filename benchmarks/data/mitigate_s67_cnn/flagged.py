"""Issue 12, stop 67 (h12c): the models a dev_s67_cnn_rounds.py file says were treated (the
detector flagged them), last first, comma-separated: fresh.sh's B reads today's `gated` on them
from the end of the order while A reads from its front, so the pairs meet before the cut.

    python3 flagged.py fast-2483.json
"""
import json
import sys
from pathlib import Path

rows = json.loads(Path(sys.argv[1]).read_text())["rows"]
print(",".join(r["model"] for r in reversed(rows)
               if str(r["report"].get("action", "")).startswith("treated")))
