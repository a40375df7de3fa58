"""Compare digest-base.json (main before this branch) with digest-branch.json (this branch, '-'
and 'hand_projected=0'): is every SHA-256 equal? Run from the worktree root."""
import json
from pathlib import Path

here = Path(__file__).parent
base = json.loads((here / "digest-base.json").read_text())["models"]
branch = json.loads((here / "digest-branch.json").read_text())["models"]
for name, sets in branch.items():
    want = base[name]["-"]["sha256"]
    cells = [f"{s}: {'equal' if row['sha256'] == want else 'DIFFERENT'}" for s, row in sets.items()]
    print(f"{name}: base {want[:16]}; " + "; ".join(cells))
