"""Which of the early checks refuse each model x CSV x --label-column of make_files.py's
folder (no torch); run in that folder with PYTHONPATH at the src to read."""

from trojanscope.cli.early_model import check_model_data
from trojanscope.errors import UserInputError

MODELS = ["xgb-named.json", "xgb-arrays.json", "lgb-named.txt", "lgb-arrays.txt"]
TABLES = ["clean.csv", "reordered.csv", "extra.csv", "no-debt.csv", "blank-first.csv", "bom.csv",
          "indexed.csv", "spaced.csv"]
for model in MODELS:
    for table in TABLES:
        for label in (None, "is_fraud"):
            try:
                check_model_data(model, {"--data": table}, label_column=label)
                said = "pass"
            except UserInputError as exc:
                said = "REFUSED " + str(exc)[:110]
            print(model, table, label, said)
