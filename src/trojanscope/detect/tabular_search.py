"""Trigger search for tabular models (MLPs and boosted trees): which few column values flip
clean rows to one class?

A tabular backdoor is a handful of ``column = value`` assignments that send any row to the
target class. This detector looks for such assignments directly, as a black box (it needs only
predicted probabilities, so trees and networks are searched alike): for each class ``t`` it
takes clean rows of the other classes and greedily adds the assignment that raises their mean
probability of ``t`` most, up to ``max_features`` assignments. Candidate values are every
category of a categorical column and, for numeric columns, the value ranges a tree ensemble
distinguishes (one value per interval between its split thresholds: an exact-value trigger
is such an interval) or, for other models, a grid of the column's quantiles.

A backdoored model reaches a near-complete flip with few assignments of values that mean little
on their own; a clean model needs many, of the data's strongest natural signals. The features
a calibrator uses: the flip rate after 1..``max_features`` assignments for the most suspicious
class, and how "unnatural" its assignments are — in the clean data, the share of rows holding
such a value that belong to ``t`` compared with ``t``'s overall share (natural risk factors
are enriched in their class; backdoor values are not). For networks, ``tab_excess``
(:mod:`.tabular_excess`): the response to pairs and triples of values (categories and numbers
inside the clean rows' 10-90% quantiles) beyond a reference fitted on the clean rows, whose
class is then the suspected target, and ``tab_excess_gap``, how far that class's excess stands
above the next one's; for trees, ``tab_mass`` (:mod:`.tree_mass`) and ``tab_box``
(:mod:`.tree_boxes`: the ensemble's response in the boxes of the leaves clean rows miss), and
``tab_box_over`` / ``tab_major_box_over`` (:mod:`.tree_floor`: that response above the same
model's response in the boxes of its ordinary leaves, a floor for the table).
The verdict's ``family`` (``network``, ``tree:xgboost``, ``tree:lightgbm``) picks the calibrator.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from trojanscope.data.class_shares import minor_share
from trojanscope.data.tabular.schema import TabularSchema
from trojanscope.data.tabular.table import schema_of
from trojanscope.detect.base import ClassResult, InspectionTarget, ModelDetector, ModelVerdict
from trojanscope.detect.tabular_contrast_naming import clean_reference, named_by_contrast
from trojanscope.detect.tabular_excess import (
    RiseCache,
    class_excess,
    combo_flip,
    reference_model,
    screened_excess,
    triple_excess,
)
from trojanscope.detect.tabular_file_size import (
    MIN_CALIBRATED_ROWS,
    size_band,
    size_note,
    size_short_notes,
)
from trojanscope.detect.tabular_gap_raise import SHARE_FEATURE
from trojanscope.detect.tabular_group_heat import HEAT_OUT_FEATURE
from trojanscope.detect.tabular_lever import (
    MAX_LEVER_TWINS,
    combo_flips,
    lever_features,
    lever_twins,
)
from trojanscope.detect.tabular_naming import with_categories
from trojanscope.detect.tabular_twins import (
    BAND_TWINS,
    MAX_TWINS,
    NO_TWINS_NOTE,
    TWIN_FITS,
    MeanOfNets,
    redrawable,
    twin_features,
    twin_networks,
)
from trojanscope.detect.tree_boxes import box_excess, leaf_excess, most_missed, replay_rows
from trojanscope.detect.tree_contrast import contrast_groups
from trojanscope.detect.tree_depth_twins import MAX_DEPTH_TWINS, half_twins, twin_gaps
from trojanscope.detect.tree_floor import control_floor, over_floor
from trojanscope.detect.tree_mass import (
    bound_recurrence,
    class_mass_norms,
    grouped_masses,
    heat_left_out,
    leaves_per_tree,
    pooled_groups,
)
from trojanscope.detect.tree_rank_boxes import bound_leaves
from trojanscope.detect.tree_recur_boxes import with_recurring
from trojanscope.detect.tree_reference import reference_trees, referenced
from trojanscope.detect.tree_resample import (
    SHORT,
    UNREAD,
    bootstrap_rows,
    mean_features,
    median_features,
    subsample_rows,
)
from trojanscope.detect.tree_split_naming import named_by_splits
from trojanscope.detect.tree_value_span import span_words
from trojanscope.detect.tree_wide_boxes import (
    BAND_BOX_WIDE,
    BAND_WIDE_LIBRARIES,
    MAX_BOX_WIDE,
    box_above,
    wide_box_features,
)
from trojanscope.detect.trigger_reach import reach_words
from trojanscope.errors import UserInputError
from trojanscope.params import check_option
from trojanscope.registry import register

# log2 leaves per tree of the LightGBM calibration trees (2.81-4.95; docs/benchmarks.md, issue 16
# stop 32c): ``tab_leaves`` is held inside it, so a linear term does not extrapolate
LEAVES_RANGE = (2.8, 5.0)

QUANTILE_GRID = 21  # numeric candidate values for models without split thresholds
EPS = 1e-4
PSEUDO_ROWS = 5
# trees: fewer rows to flip than this skip a class (the zoo's ``MIN_FLIPPABLE``; stop 38)
MIN_SOURCES = 10


# trees: bootstrap resamples whose features are averaged (``tree_resamples``; each costs one
# more reading of the tree)
MAX_RESAMPLES = 16
MAX_BOX_RECUR = 16  # recurring bounds whose leaves are replayed per class, at most
# how the trees' box leaves are chosen (``box_rank``): ``auto`` (the default since issue 16
# stop 68: LightGBM's by bound with a file in a size band, else the most missed), the most
# missed, by their recurring bound (every tree, or LightGBM's only; stop 67)
BOX_RANKS = ("auto", "deficit", "bound", "bound_lightgbm")
# which leaves' box excess names a tree's target (``box_target``): the most missed leaves'
# whatever ``box_rank`` scores by (the default since stop 68), or ``box_rank``'s own (stop 67)
BOX_TARGETS = ("deficit", "rank")
# whose trees' bound recurrence reads a small file's holes against the other class's leaves
# (``recur_contrast``, :mod:`.tree_contrast`; issue 16 stop 68): none (the default), every
# tree's, or one library's
RECUR_CONTRASTS = ("none", "all", "xgboost", "lightgbm")
# whose trees' target is named by the bound recurrence with a file in a size band
# (``target_recur``; issue 16 stop 69): none (the default), every tree's, or one library's
TARGET_RECURS = RECUR_CONTRASTS
# how far (log1p) one class's bound recurrence must lead the next for ``target_recur`` to name it
RECUR_NAME_MARGIN = 0.25
# how the resamples' features are put together (``resample_stat``: mean, the default;
# median opt-in since stop 63)
RESAMPLE_STATS = {"mean": mean_features, "median": median_features}
# candidate W's contrast search: its seed offset (apart from the twins' own)
LEVER_SEARCH = 7


def _flag(name: str, value: Any) -> bool:
    """``value`` as an on/off option: True or False (1 and 0 pass, as the CLI's true/false
    give them; "no" is not a boolean), or one error line naming the option."""
    if value not in (True, False):
        raise UserInputError(f"tabular-search: {name} must be true or false")
    return bool(value)


def _whole(name: str, value: Any, high: float = float("inf"), low: int = 0) -> int:
    """``value`` as a whole number in ``[low, high]``, or one error line naming the option
    (``params.check_option``'s words as a ``UserInputError``)."""
    try:
        check_option(name, value, low, high, integer=True)
    except ValueError as exc:
        raise UserInputError(f"tabular-search: {exc}") from None
    return int(value)


@dataclass
class Candidate:
    """One assignment: encoded columns ``cols`` set to ``vals``; ``column``/``text`` name it."""

    column: str
    text: str
    cols: list[int]
    vals: list[float]
    numeric: bool = False
    # a tree's numeric value as the range of values it stands for (:mod:`.tree_value_span`);
    # "" for the others, whose words are ``column = text``
    span: str = ""

    @property
    def said(self) -> str:
        """The assignment in the table's words, as the trigger line prints it."""
        return self.span or f"{self.column} = {self.text}"


# twin_order=1 where no twins were trained (a tree, twins=0, a file outside the band without
# twins, a TorchScript archive): the order it asks for does not exist
TWIN_ORDER_UNREAD = ("twin_order=1 not read: it orders a network's classes by its excess "
                     "against clean twins, and this is {what} (the target is {order})")
SURE_ROWS_UNREAD = ("sure_rows=1 not read: the sure-rows search feeds the whole-split "
                    "network calibrator, and this is {what}")
DEPTH_TWINS_UNREAD = ("depth_twins={n} not read: it reads a tree's features against clean "
                      "twins of its depth, and this is a network")
BOX_WIDE_UNREAD = ("box_wide={n} not read: it replays a tree's missed leaves, and this is a "
                   "network")
WHOLE_TWINS_UNREAD = ("whole_twins={n} not read: it adds clean twins beside the sure rows of a "
                      "network read outside the file-size bands, and this is {what}")


@register("detector", "tabular-search")
class TabularSearch(ModelDetector):
    """Greedy search over column values that flip clean rows to one class (MLPs and trees).

    Arguments:
        max_features: assignments added per class (a trigger of up to this many columns).
        rows: clean rows of other classes used per class (drawn with the seed).
        max_candidates: numeric candidates kept per column (evenly spread over the intervals).
        max_enrichment: log-odds enrichment above which a value counts as natural.
        neighbours: clean rows nearest a numeric value that judge its enrichment.
        mass_trees: trees whose leaves are read for the missing training mass (trees only).
        mass_sure: missing mass at which its class is the suspected target (above every
            clean model's of the calibration zoo, 11.5).
        box_top: trees: leaves per class (largest clean-row deficit) whose boxes are replayed
            (``tab_box``, :mod:`.tree_boxes`).
        box_mean: trees: ``tab_box`` is the mean of this many largest box excesses.
        box_recur: trees: also replay, per class, the leaves carrying its ``box_recur``
            largest recurring bounds (:mod:`.tree_recur_boxes`; 0, the default: none).
        box_rank: trees: how the ``box_top`` leaves are chosen: ``deficit`` (the most
            missed), ``bound`` (by their recurring bound, :mod:`.tree_rank_boxes`: a 200-row
            file's most missed leaves are chance), ``bound_lightgbm`` (by bound on LightGBM's
            trees, by deficit on the others'; issue 16 stop 67) or ``auto`` (the default
            since stop 68: ``bound_lightgbm`` with a file in a size band, read by the band's
            calibrators, else ``deficit``).
        box_target: trees: which box excess names the target where ``box_rank`` ranks by
            bound: ``deficit`` (the default since stop 68: the most missed leaves', as with
            ``box_rank=deficit``; the features still come from the bound ranking) or
            ``rank`` (the one scored, as at stop 67).
        recur_contrast: trees: ``none`` (the default), ``all`` or one library (``xgboost``,
            ``lightgbm``): the bound recurrence (``tab_major_recur*``) sums leaf groups whose
            deficits expect fewer clean rows where the other class's leaves holding the same
            bound miss them too (a hole in the file, not poison; :mod:`.tree_contrast`,
            issue 16 stop 68).
        target_recur: trees: ``none`` (the default), ``all`` or one library: with a file in a
            size band, a tree whose missing mass stays below ``mass_sure`` is named by its
            bound recurrence (the class whose ``tab_major_recur``-style sum leads the next by
            more than 0.25 in log1p) before its box excess (a 200-row file's most missed
            leaves are chance, a trigger's bound recurs; issue 16 stop 69).
        excess_tail: networks' ``tab_excess`` leaves out numbers outside the clean rows'
            [tail, 1 - tail] quantiles (0: none left out).
        references: trees: clean models of the same library and size trained on the clean
            rows, whose features are subtracted (``<feature>_ref``, :mod:`.tree_reference`;
            0, the default: none, the ``_ref`` features are 0 — on the development zoos no
            calibrator design gained from them, docs/benchmarks.md issue 16 step 6).
        reference_sampling: trees: the references copy the row and column shares the model
            records (:func:`.tree_reference.sampling_of`; default False: every row and
            column, as before; issue 16 stop 34).
        pair_screen: networks: ``tab_excess`` also screens every pair of categories and
            extends this many best pairs by a third value
            (:func:`.tabular_excess.screened_excess`; 0: off; the default 5 since issue 16
            stop 36, whose rule the fresh zoo ``tab-fresh19`` met).
        min_sources: trees: a class with fewer clean rows to flip than this (rows of other
            classes the model answers rightly, counted over the clean file given) that are
            also under ``SILENT_SHARE`` (0.2) of the other classes' clean rows is not searched
            and its box excess is not read, where another class is not so short: a class the
            model gives nearly every row has nothing a trigger could flip, and a handful of
            rows flips on one value (lending-club class 0: 0-5 of 103 bad rows; issue 16 stop
            38). The share keeps a small user file's few minority rows searched (5 of 9 fraud
            rows: a real backdoor was missed by the count alone; review of stop 38). A skipped
            class is named in a coverage note and left out of the ranking; a backdoor towards
            it is not looked for, and the tree calibrators were fitted on rows read with every
            class searched (``tab_major_*`` are 0 where the majority class is skipped). 10
            (the zoo's ``MIN_FLIPPABLE``), the default since issue 16 stop 38 (its rule was
            read on the fresh zoo ``tab-fresh21``, where the share changes no tree's skipped
            classes); 1 reads every class with a row, as before. Networks search every class
            (a value other than the default says so in a note).
        calibrated_rows: a clean file of fewer rows than this gets a note naming its rows,
            the rows the measured figures need and the figures measured near its size
            (:mod:`.tabular_file_size`: the calibrators were fitted on 891-1,971-row splits;
            small files shift the trees' mass and the networks' excess). 891
            (``MIN_CALIBRATED_ROWS``), the default since issue 16 stop 39, whose rule the
            fresh zoos ``tab-fresh22`` / ``-lc`` met, confirmed on ``tab-fresh29`` / ``-lc``
            at stop 46 (whole splits 0.977 / 0.167, 500-row files 0.895 / 0.522); 0: no note.
        size_calibration: a clean file whose rows fall in a :data:`.tabular_file_size.SIZE_BANDS`
            band (150-300 rows) is scored by that band's calibrators (fitted on development
            zoos read with 200-row files; the family gets the suffix ``:rows200``) instead of
            the whole-split ones (issue 16 stop 40; since stop 46 it gets the size note too, the
            band's figures missing the goal on a fresh zoo). True, the default
            since issue 16 stop 41 (with ``twins``: on the fresh zoo ``tab-fresh24`` / ``-lc``
            with 200-row files the pooled cross-entropy fell from 0.721 to 0.347 and clean
            models flagged from 5 to 3, the rule committed before it; docs/benchmarks.md);
            False: every file is scored by the whole-split calibrators, as before.
        twins: networks: this many clean networks of the model's own shape are trained on the
            clean file, and the excess is searched again with their mean as the reference
            (:mod:`.tabular_twins`; ``tab_excess_vs_twins`` and its class gap), and the family
            gets ``:twins``: in the 150-300-row band the ``network:twins:rows200`` calibrator
            reads them, elsewhere the whole-split ``network`` one (which does not), or a
            ``network:twins`` one where the calibration file holds it (opt-in, issue 16 stop
            47: ``benchmarks/data/tabular_s47a/calibration_twins.json``, whose rule missed on
            the fresh zoo ``tab-fresh30`` / ``-lc``; docs/benchmarks.md). None, the
            default since issue 16 stop 41 (with ``size_calibration``): 2 in a size band,
            none elsewhere, where no calibrator reads them (review of stop 41: they would cost
            time only); 0: none, as before; at most 16. A network whose weights cannot all be
            drawn afresh (a TorchScript archive) is read without twins, said in a note.
        tree_resamples: trees: each feature is the mean over the clean file and this many
            bootstrap resamples of it (the file's size, drawn with replacement from the seed;
            :mod:`.tree_resample`): a clean tree's p moved by up to ~0.8 between 200-row
            files (issue 16 stop 44). 0 (default) reads the file once; each resample costs
            one more reading. On a network, or where fewer resamples keep every class's rows,
            a note says so (review of stop 45).
        resample_share: with ``tree_resamples``: 0 (default) draws each resample as a
            bootstrap of the file's size (stop 45); a share in (0, 1) draws that share of
            the file's rows without replacement instead (issue 16 stop 63: no row twice).
        resample_stat: with ``tree_resamples``: ``mean`` (default) or ``median`` of each
            feature over the file and its resamples (issue 16 stop 63).
        twin_order: networks read with twins: the suspected target is the class of largest
            excess against both references, the linear one's plus the twins' (the class
            neither explains; the linear excess breaks ties), its trigger the combination
            found against the twins. None, the default since issue 16 stop 45: so wherever
            twins are read (with distilled twins every development miss of the linear order,
            16 of 76 flagged backdoored networks at 200 rows, was a credit-default MLP, and
            this order named 72 of the 76 right against the linear order's 60; on the fresh
            zoo ``tab-fresh28`` / ``-lc`` 11 of 11 against 10, the rule committed before it;
            docs/benchmarks.md). False: the linear reference's order (the default before; with
            the old 30-step twins this order failed at stop 42). True: as None, and where no
            twins are read (a tree, ``twins=0``, a TorchScript archive) a note says it was
            not (review hR5).
        sure_order: networks read without twins: the suspected target is the class of
            largest ``excess_sure`` (the excess searched on the rows surest of another class,
            with triples of categories; the linear excess breaks ties), its trigger the
            combination found there; the verdict also records ``tab_excess_sure`` and
            ``tab_excess_flip`` (no shipped calibrator reads them). Issue 16 stop 50: on
            development zoos it named 19 of 20 flagged credit-default networks' targets right
            against 16 (three-category triggers the pair screen misses), but lost one
            lending-club target; on the fresh zoo ``tab-fresh33`` / ``-lc`` 27 of 29 both
            ways, so its rule was not met. False, the default: the linear reference's order,
            and no sure-rows search (fresh lending-club networks took a median 25.3 s with
            it, 13.1 s at stop 49 without).
        sure_rows: networks read without twins: the sure-rows search of ``sure_order`` is read
            too (``tab_excess_sure``, ``tab_excess_flip``), the target order stays the
            default's, and the family gets ``:sure``, so the ``network:sure`` calibrator reads
            them (the ``network`` one where a file holds none). Issue 16: opt-in from stop 56;
            the default from stop 58 (h16b), its entry fitted on 300 development networks (26
            zoos), met its rule on fresh 4700/4710 (docs/benchmarks.md). None, the default:
            on for networks read without twins outside the 150-300-row band (the whole split,
            any other file size), silently nothing more for a tree or a file in the band
            (whose band calibrators do not read them); True: every network read without
            twins, with a note where it reads nothing more; False: no sure-rows search (the
            ``network`` family, as before stop 58).
        twin_fit: networks read with twins: how each twin is trained on the clean file.
            ``"distil"``, the default since issue 16 stop 43: 100 steps towards the model's
            own class probabilities on the clean rows (:func:`.tabular_twins.distil`: a twin
            answering the clean rows as the model does, whatever its activation), read in
            the band by a ``network:twins:rows200`` calibrator of ``tab_excess`` and
            ``tab_excess_vs_twins`` fitted on such readings (on the fresh zoo ``tab-fresh26``
            / ``-lc`` with 200-row files the pooled cross-entropy fell from 0.476 to 0.433,
            the networks' from 0.397 to 0.293, clean models flagged 4 both ways, the rule
            committed before it; docs/benchmarks.md). ``"steps"``: 30 steps on the labels,
            as before (they left sigmoid twins nearly constant: every clean credit-default
            MLP of ``tab-fresh25`` was flagged, three of them sigmoid); the band calibrator
            was fitted on distilled readings, so ``"steps"`` is read off its scale.
            Without twins it changes nothing.
        whole_twins: candidate T71 (issue 16 stop 71; 0, the default: none): a network read
            with the sure rows (outside the 150-300-row band, ``twins`` not asked for) also
            reads this many distilled clean twins (``tab_excess_vs_twins``); every feature the
            default reads is read the same and its target order kept; the family becomes
            ``network:sure:twins``, scored by that entry where the calibration file holds one
            (``benchmarks/data/tabular_s71_h16/calibration_t71.json``), else by
            ``network:sure`` (today's probability). The linear reference, additive in the
            logit, follows a conjunction of one class's risk categories as far as a
            backdoored network; a clean twin answers it as a clean network does.
        lever_twins: candidate W (issue 16 stop 62, opt-in; 0, the default: not read): this
            many clean twins of the model's kind fitted to its answers on the clean file, and
            each searched class's combination applied to the model and to them
            (:mod:`.tabular_lever`: ``tab_lever_model``, ``tab_lever_twins``, ``tab_lever_w``,
            ``tab_lever_excess``: the contrast search's, see there). No shipped calibrator
            reads them.
        depth_twins: candidate T73 (issue 16 stop 73, opt-in; 0, the default: not read):
            this many clean twins of a tree's library, rounds, depth, rate and shares, each
            trained on half the file towards the model's answers and read with the whole file
            by this search (:mod:`.tree_depth_twins`); ``<feature>_twin`` is the tree's band
            feature less the twins' mean (``tab_box``, ``tab_mass_group``,
            ``tab_major_recur``, ``tab_mass``): what a clean tree of that depth reads on this
            file taken away, so depth is not read as suspicion. Every other feature, the
            target and the family are read as without it; only a calibration file whose entry
            reads the ``_twin`` features uses them.
        box_wide: trees also replay the boxes of this many most missed leaves per class
            (1-200; 0: not read), not only ``box_top``; ``tab_box_wide`` /
            ``tab_major_box_wide`` are ``tab_box`` / ``tab_major_box`` read over them
            (:mod:`.tree_wide_boxes`: a 200-row file's top ten missed leaves are chance), and
            ``tab_box_above`` is ``tab_box`` or the wide box where it stands higher. None, the
            default since issue 16 stop 74 (h16w, M74): 80 for an XGBoost tree read with a file
            in a size band (its band calibrator reads ``tab_box_above``), else 0. Every other
            feature, the target and the family are read as without it.
        lever_order: trees read with ``lever_twins``: the suspected target is the class whose
            contrast search stands furthest above the twins (``tab_lever_class``), its trigger
            that search's combination (candidate W's order, opt-in; a note where not read).
        name_categories: the suspected class's trigger line followed by the categories that
            turn its searched rows most (:mod:`.tabular_naming`; opt-in, issue 16 stop 79).
        name_contrast: the suspected class's trigger line led by the categories that turn its
            searched rows in the model beyond a clean model of its kind trained on the file,
            then the greedy's values, ``max_features`` at most
            (:mod:`.tabular_contrast_naming`; the default since issue 16 stop 81, whose rule
            fresh fraud runs met). Words only: the features, probability and order are
            unchanged. ``name_categories=1`` given turns it off; both given true: one error.
        contrast_networks: ``name_contrast`` read on networks too (a network's own line
            comes from a contrast already; on stop 81's fresh runs the contrast named no
            more there at 1.78x the CPU). Trees are read either way.
        name_splits: trees: the contrast's line read against the clean reference's split
            thresholds (:mod:`.tree_split_naming`): numbers whose band the reference cuts
            alike dropped, free places filled by bands it does not cut alike that turn the
            suspect beyond it, a greedy category that turns the reference as much replaced
            by its column's strongest. Unset: on where ``name_contrast`` is (issue 16 stop
            82, candidate S82); words only.
    """

    name = "tabular-search"
    feature_names = ("tab_*",)  # reference-relative ones too (``tab_mass_ref``)
    modality = "tabular"
    needs_data = True
    min_per_class = 2

    # ``name_categories`` unset (candidate N79, issue 16 stop 79 h16n): the greedy's values only
    name_categories_default = False
    # ``name_contrast`` unset: on since issue 16 stop 81 (h16n, candidate R81: its rule met on
    # fresh fraud runs 6840-6879, a planted value named on 93 of 219 runs where the greedy's
    # values alone named one on 44, none lost); ``name_categories=1`` given turns it off
    name_contrast_default = True
    # candidate S82 (issue 16 stop 82, h16n): ``name_contrast`` on networks too, and a tree's
    # line not read against the reference's split thresholds (today's)
    contrast_networks_default = True
    name_splits_default = False

    def __init__(self, max_features: int = 4, rows: int = 100, max_candidates: int = 32,
                 max_enrichment: float = 0.3, neighbours: int = 40,
                 mass_trees: int = 30, mass_sure: float = 15.0,
                 excess_tail: float = 0.1, box_top: int = 10, box_mean: int = 3,
                 references: int = 0, reference_sampling: bool = False,
                 pair_screen: int = 5, min_sources: int = MIN_SOURCES,
                 calibrated_rows: int = MIN_CALIBRATED_ROWS,
                 size_calibration: bool = True, twins: int | None = None,
                 twin_order: bool | None = None, twin_fit: str = "distil",
                 tree_resamples: int = 0, sure_order: bool = False,
                 sure_rows: bool | None = None, lever_twins: int = 0,
                 lever_order: bool = False, resample_share: float = 0.0,
                 resample_stat: str = "mean", box_recur: int = 0,
                 box_rank: str = "auto", box_target: str = "deficit",
                 recur_contrast: str = "none", target_recur: str = "none",
                 whole_twins: int = 0, depth_twins: int = 0, box_wide: int | None = None,
                 name_categories: bool | None = None,
                 name_contrast: bool | None = None, contrast_networks: bool | None = None,
                 name_splits: bool | None = None) -> None:
        self.max_features = int(max_features)
        self.rows = int(rows)
        self.max_candidates = int(max_candidates)
        self.max_enrichment = float(max_enrichment)
        self.neighbours = int(neighbours)
        self.mass_trees, self.mass_sure = int(mass_trees), float(mass_sure)
        self.excess_tail = float(excess_tail)
        self.box_top, self.box_mean = int(box_top), int(box_mean)
        self.box_recur = int(box_recur)
        if box_rank not in BOX_RANKS:
            raise UserInputError(f"tabular-search: box_rank must be one of {', '.join(BOX_RANKS)}")
        self.box_rank = str(box_rank)
        if box_target not in BOX_TARGETS:
            raise UserInputError("tabular-search: box_target must be one of "
                                 f"{', '.join(BOX_TARGETS)}")
        self.box_target = str(box_target)
        if recur_contrast not in RECUR_CONTRASTS:
            raise UserInputError("tabular-search: recur_contrast must be one of "
                                 f"{', '.join(RECUR_CONTRASTS)}")
        self.recur_contrast = str(recur_contrast)
        if target_recur not in TARGET_RECURS:
            raise UserInputError("tabular-search: target_recur must be one of "
                                 f"{', '.join(TARGET_RECURS)}")
        self.target_recur = str(target_recur)
        self.references = int(references)
        self.reference_sampling = _flag("reference_sampling", reference_sampling)
        self.size_calibration = _flag("size_calibration", size_calibration)
        self.sure_order = _flag("sure_order", sure_order)
        self.sure_rows = None if sure_rows is None else _flag("sure_rows", sure_rows)
        self.twin_order = None if twin_order is None else _flag("twin_order", twin_order)
        if twin_fit not in TWIN_FITS:
            raise UserInputError(
                f"tabular-search: twin_fit must be one of {', '.join(TWIN_FITS)}")
        self.twin_fit = str(twin_fit)
        self.twins = None if twins is None else _whole("twins", twins, MAX_TWINS)
        self.whole_twins = _whole("whole_twins", whole_twins, MAX_TWINS)
        self.depth_twins = _whole("depth_twins", depth_twins, MAX_DEPTH_TWINS)
        self.box_wide = None if box_wide is None else _whole("box_wide", box_wide, MAX_BOX_WIDE)
        # candidate N79 (issue 16 stop 79, h16n): the suspected class's named trigger followed
        # by the categories that turn its rows most (:mod:`.tabular_naming`)
        name_categories = (self.name_categories_default if name_categories is None
                           else name_categories)
        self.name_categories = _flag("name_categories", name_categories)
        # candidate R81 (issue 16 stop 81, h16n): the categories that turn the suspected
        # class's rows in the model beyond a clean reference trained on the file first
        # (:mod:`.tabular_contrast_naming`)
        if name_contrast is None:  # the default, unless the other naming is asked for
            name_contrast = self.name_contrast_default and not self.name_categories
        self.name_contrast = _flag("name_contrast", name_contrast)
        if self.name_contrast and self.name_categories:  # two namings: asked, never silent
            raise UserInputError("tabular-search: name_categories and name_contrast each name "
                                 "the trigger line: give one")
        # candidate S82 (issue 16 stop 82, h16n): the contrast on trees only, and a tree's
        # numbers read against the reference's split thresholds (:mod:`.tree_split_naming`)
        if contrast_networks is None:
            contrast_networks = self.contrast_networks_default
        self.contrast_networks = _flag("contrast_networks", contrast_networks)
        if name_splits is None:  # the default where the contrast names the line
            name_splits = self.name_splits_default and self.name_contrast
        self.name_splits = _flag("name_splits", name_splits)
        if self.name_splits and self.name_categories:  # two namings: asked, never silent
            raise UserInputError("tabular-search: name_categories and name_splits each name "
                                 "the trigger line: give one")
        self.tree_resamples = _whole("tree_resamples", tree_resamples, MAX_RESAMPLES)
        if (isinstance(resample_share, bool) or not isinstance(resample_share, (int, float))
                or not 0.0 <= float(resample_share) < 1.0):
            raise UserInputError("tabular-search: resample_share must be a number in [0, 1)")
        self.resample_share = float(resample_share)
        if resample_stat not in RESAMPLE_STATS:
            raise UserInputError(
                f"tabular-search: resample_stat must be one of {', '.join(RESAMPLE_STATS)}")
        self.resample_stat = str(resample_stat)
        if not self.tree_resamples and (self.resample_share or self.resample_stat != "mean"):
            raise UserInputError("tabular-search: resample_share and resample_stat apply with "
                                 "tree_resamples > 0 (none asked for)")  # asked, never silent
        self.lever_twins = _whole("lever_twins", lever_twins, MAX_LEVER_TWINS)
        self.lever_order = _flag("lever_order", lever_order)
        if self.max_features < 1 or self.rows < 1 or self.max_candidates < 2:
            raise UserInputError("tabular-search: max_features, rows >= 1; max_candidates >= 2")
        self.pair_screen = int(pair_screen)
        # checked here too: built directly, int() would take 1.5 / True / -0.5
        self.min_sources = _whole("min_sources", min_sources, low=1)
        self.calibrated_rows = _whole("calibrated_rows", calibrated_rows)
        if self.references < 0:
            raise UserInputError("tabular-search: references must be >= 0")
        if self.pair_screen < 0:
            raise UserInputError("tabular-search: pair_screen must be >= 0")
        if self.box_top < 1 or self.box_mean < 1:
            raise UserInputError("tabular-search: box_top and box_mean must be >= 1")
        if not 0 <= self.box_recur <= MAX_BOX_RECUR:
            raise UserInputError(f"tabular-search: box_recur must be in 0..{MAX_BOX_RECUR}")
        if not 0.0 <= self.excess_tail < 0.5:
            raise UserInputError("tabular-search: excess_tail must be in [0, 0.5)")

    def run(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        verdict = self.read(target, generator)
        if self.tree_resamples and hasattr(target.model, "leaf_records"):
            seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
            self.resampled(target, verdict, seed)
        elif self.tree_resamples:  # asked for, never silently dropped (review of stop 45)
            verdict.detector_notes.append(UNREAD.format(k=self.tree_resamples))
        return verdict

    def resampled(self, target: InspectionTarget, verdict: ModelVerdict, seed: int) -> None:
        """A tree's features replaced by their mean (or median: ``resample_stat``) over the
        file and ``tree_resamples`` resamples of it, bootstraps or (``resample_share``)
        subsamples (:mod:`.tree_resample`); the target order, the per-class details and the
        notes stay the file's own reading."""
        clean = target.clean
        schema = schema_of(clean)
        y = clean.get_batch(torch.arange(len(clean)))[1].numpy()
        rows = max(1, round(self.resample_share * len(y)))
        readings = [verdict.features]
        for k in range(self.tree_resamples):
            idx = (subsample_rows(y, target.num_classes, seed, k, rows, self.min_per_class)
                   if self.resample_share else
                   bootstrap_rows(y, target.num_classes, seed, k, self.min_per_class))
            if idx is None:
                break
            part = clean.subset(idx)
            if schema_of(part) is None:
                part.schema = schema
            sub = InspectionTarget(target.model, target.input_shape, target.num_classes, part)
            readings.append(self.read(sub, torch.Generator().manual_seed(seed + k)).features)
        verdict.features = RESAMPLE_STATS[self.resample_stat](readings)
        verdict.features["tab_resamples"] = float(len(readings) - 1)
        if len(readings) - 1 < self.tree_resamples:  # fewer than asked: said, not silent
            verdict.detector_notes.append(SHORT.format(
                k=self.tree_resamples, got=len(readings) - 1, m=self.min_per_class))

    def read(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        """One reading of the clean file: the search, the tree features, the order."""
        clean = target.clean
        schema = schema_of(clean)
        if clean is None or schema is None:
            raise UserInputError(
                "method 'tabular-search' needs clean tabular data (a CSV or a bundled table)"
            )
        x_all, y_all = clean.get_batch(torch.arange(len(clean)))
        candidates = self.candidates(target.model, schema, x_all)
        with torch.no_grad():
            logits = target.model(x_all).float()
        own = logits.argmax(1)
        top2 = torch.topk(logits, 2, dim=1).values
        margin = top2[:, 0] - top2[:, 1]
        per_class, found = [], {}
        picks: dict[int, Tensor] = {}  # the rows each class's search read (the reach line)
        answered: dict[int, int] = {}
        # networks: the response beyond the data (:mod:`.tabular_excess`); trees read their
        # training mass instead (the excess did not separate the calibration zoos' XGBoost)
        tree = hasattr(target.model, "leaf_records")
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        ref = reference_model(x_all, y_all, target.num_classes, seed=seed)
        inner = [] if tree else interior(candidates, x_all, self.excess_tail)
        excess, excess_found = np.zeros(target.num_classes), {}
        sure, sure_found = np.zeros(target.num_classes), {}
        silent = silent_classes(y_all, own, target.num_classes,
                                self.min_sources if tree else 1)
        notes = [silent_note(silent, y_all, own, target.num_classes, self.min_sources)
                 ] if silent else []
        # a file in a size band is scored by that band's calibrators (the family's suffix);
        # the size note fires there too: the band's figures miss the goal (issue 16 stop 46)
        band = size_band(len(x_all)) if self.size_calibration else None
        small = size_note(len(x_all), self.calibrated_rows, self.size_calibration)
        if small:
            notes.append(small)
        # clean twins only for a network whose every weight can be drawn afresh (a copy
        # keeping the inspected weights would carry its backdoor into the reference)
        wanted = (BAND_TWINS if band else 0) if self.twins is None else self.twins
        # ``whole_twins`` (candidate T71): outside the band, twins beside the sure rows
        beside = 0 if (band or self.twins is not None or self.sure_rows is False
                       ) else self.whole_twins
        wanted = beside or wanted
        twins = 0 if tree or not wanted else wanted * redrawable(target.model)
        if not tree and wanted and not twins:
            notes.append(NO_TWINS_NOTE)
        if self.twin_order is True and not twins:  # asked for, never silently dropped (review hR5)
            notes.append(TWIN_ORDER_UNREAD.format(
                what="a tree model" if tree else "a network read without clean twins",
                order="its own target order" if tree else "the linear reference's order"))
        if self.whole_twins and (tree or not beside):  # asked for, never silently dropped
            notes.append(WHOLE_TWINS_UNREAD.format(n=self.whole_twins, what=(
                "a tree model" if tree else
                f"a file of {len(x_all)} rows, read in its size band with clean twins already"
                if band else f"a run with twins={self.twins} given" if self.twins is not None
                else "a run with sure_rows=0")))
        if self.sure_rows is True and (tree or (twins and not beside)):  # asked, never silent
            notes.append(SURE_ROWS_UNREAD.format(
                what="a tree model" if tree else "a network read with clean twins"))
        # the sure rows: with ``sure_order`` wherever a network is read, with ``sure_rows``
        # only without twins (the ``network:sure`` calibrator's readings; stop 56)
        # None, the default (stop 58 h16b): on where no band calibrator reads the network
        sure_rows = self.sure_rows is True or (self.sure_rows is None and not band)
        read_sure = not tree and (self.sure_order or (sure_rows and (not twins or beside)))
        # the twins' search repeats the linear one's model passes: kept (same numbers)
        rises = RiseCache(target.model) if twins else None
        if not tree and self.min_sources != MIN_SOURCES:
            notes.append(f"min_sources={self.min_sources} not read: it applies to tree models "
                         "only (a network's classes are all searched)")
        for t in range(target.num_classes):
            others = torch.nonzero((y_all != t) & (own == y_all)).flatten()
            if len(others) == 0 or t in silent:
                continue
            # the rows the model is surest are not ``t``: natural risk factors move the
            # borderline rows, a backdoor moves them all
            pick = others[torch.argsort(-margin[others])[: self.rows]]
            natural = np.asarray([enrichment(x_all, y_all, t, c, self.neighbours)
                                  for c in candidates])
            neutral = [c for c, e in zip(candidates, natural, strict=True)
                       if e <= self.max_enrichment]
            flips, chosen, base = self.greedy(target.model, x_all[pick], t, neutral)
            details = {f"flip_{k + 1}": f for k, f in enumerate(flips)}
            enrich = float(np.mean([enrichment(x_all, y_all, t, c, self.neighbours)
                                    for c in chosen])) if chosen else 0.0
            if not tree:
                excess[t], excess_found[t] = self.class_excess(
                    target.model, ref, x_all[torch.nonzero(y_all != t).flatten()], t, inner,
                    seed, rises)
            if read_sure:
                # the greedy's sure rows: the share that combination flips, and the excess
                # searched on them alone (a backdoor moves them all; the linear reference's
                # rise is damped deep inside another class; issue 16 stop 50). Read only for
                # the order or the calibrator that uses them: fresh lending-club networks
                # took a median 25.3 s with them (13.1 s at stop 49 without)
                details["excess_flip"] = combo_flip(target.model, x_all[pick], t,
                                                    excess_found[t])
                details["excess_sure"], sure_found[t] = self.sure_excess(
                    target.model, ref, x_all[pick], t, inner, seed, rises)
            details.update(base_flip=base, enrichment=enrich, excess=float(excess[t]))
            sure[t] = details.get("excess_sure", 0.0)
            score = score_of(flips, enrich)
            per_class.append(ClassResult(t, score, details))
            found[t], picks[t], answered[t] = chosen, pick, len(others)
        if not per_class:
            raise UserInputError("tabular-search: the clean data hold a single class")
        ranked = sorted(per_class, key=lambda r: -r.score)
        top = ranked[0]
        features = {
            "tab_flip_1": top.details["flip_1"],
            "tab_flip_2": top.details.get("flip_2", top.details["flip_1"]),
            "tab_flip_3": top.details.get("flip_3", top.details["flip_1"]),
            "tab_flip_max": top.details[f"flip_{self.max_features}"]
            if f"flip_{self.max_features}" in top.details else top.details["flip_1"],
            "tab_enrichment": top.details["enrichment"],
            "tab_score": top.score,
            "tab_gap": top.score - (ranked[1].score if len(ranked) > 1 else 0.0),
            # trees flip more easily than networks at equal suspicion (calibration zoo)
            "tab_tree": float(hasattr(target.model, "split_points")),
            # the file's smaller class share (a fraud table's few positives): the flip term
            # reads only files like those it was measured on (issue 16 stop 76, h16z)
            SHARE_FEATURE: minor_share(y_all, target.num_classes),
        }
        leaves = target.model.leaf_records(x_all.numpy(), 10**9) if tree else []
        # only leaves that push towards their class (multi-class leaves may push away)
        records = [r for r in leaves if r.strength > 0]
        early = self.mass_records(target.model, records)
        shares = [(r.cls, r.train, r.clean) for r in early]
        prior = np.bincount(own.numpy(), minlength=target.num_classes) / len(own)
        norms = class_mass_norms(shares, len(x_all), target.num_classes, prior)
        mass = norms["raw"]
        features["tab_mass"] = float(np.log1p(mass.max()))
        # the class prior: the majority class's own mass (a target-0 backdoor's, whose
        # deficits hide under the minority class's natural ones), and each class's mass over
        # its leaves' mean deficit (docs/benchmarks.md: bench_tabular_mass_norm.py)
        features["tab_mass_major"] = float(np.log1p(mass[int(prior.argmax())]))
        features["tab_mass_rel"] = float(np.log1p(norms["mean"].max()))
        # a majority-class backdoor's poison split into small leaves under one trigger bound:
        # the leaves of a tree sharing a bound, pooled (tree_mass.grouped_mass)
        # (a tree's leaf groups pooled once, for this and the two plain readings below)
        pooled = pooled_groups(early, len(x_all)) if tree else None
        group, group_rel = grouped_masses(early, len(x_all), target.num_classes, groups=pooled)
        features["tab_mass_group"] = float(np.log1p(group.max()))
        if tree:  # the majority's group heat without its five most recurring bounds' groups
            # (a suspected trigger's), which the group-heat term may read (stop 82, h16)
            features[HEAT_OUT_FEATURE] = heat_left_out(early, len(x_all), int(prior.argmax()),
                                                       groups=pooled)
        # the same groups summed per bound across trees: a trigger's bound recurs, chance
        # deficits (which rise with depth) scatter (tree_mass.bound_recurrence; stop 33); with
        # ``recur_contrast`` each group's expected rows scaled down where the other class's
        # leaves holding its bound miss the file's rows too (tree_contrast; stop 68)
        groups = (contrast_groups(early, len(x_all)) if tree and self.contrasts(target.model)
                  else pooled)
        recur = (bound_recurrence(early, len(x_all), target.num_classes, groups) if tree
                 else None)
        features.update(recurrence_features(recur, int(prior.argmax())))
        # the depth those groups come from: a clean deep tree's groups miss more (stop 32)
        # every leaf counts (a multi-class tree's leaves that push away are leaves too);
        # LightGBM's, which its calibrator reads, clipped to that calibration's range (outside
        # it a linear term would extrapolate); other libraries' as they are
        leaves_log2 = leaves_per_tree(leaves) if tree else 0.0
        if getattr(target.model, "library", "") == "lightgbm":
            leaves_log2 = float(np.clip(leaves_log2, *LEAVES_RANGE))
        features["tab_leaves"] = float(leaves_log2)
        # trees: what the ensemble does in the boxes of the leaves clean rows miss; the rows
        # replayed (and their baselines) are shared with the floor below
        replay = replay_rows(target.model, ref, x_all.numpy(), y_all.numpy(),
                             target.num_classes, self.rows) if tree else None
        boxes = self.boxes(target, ref, records, early, x_all.numpy(), y_all.numpy(), schema,
                           replay, band) if tree else None
        if boxes is not None:
            boxes.excess[list(silent)] = 0.0
        features["tab_box"] = float(boxes.excess.max()) if boxes is not None else 0.0
        for r in per_class:
            r.details["box_excess"] = float(boxes.excess[r.cls]) if boxes is not None else 0.0
        features.update(majority_features(
            per_class, int(prior.argmax()), excess,
            boxes.excess if boxes is not None else None,
            group if tree else None, group_rel if tree else None))
        # the box term above this table's own floor: the same model's ordinary leaves
        # (:mod:`.tree_floor`; issue 16 stop 32)
        floor = (control_floor(target.model, ref, records, x_all.numpy(), y_all.numpy(), schema,
                              target.num_classes, rows=self.rows, top=self.box_top,
                              mean_of=self.box_mean, replay=replay) if tree
                 else np.zeros(target.num_classes))
        features.update(over_floor(boxes.excess if boxes is not None else None, floor,
                                   int(prior.argmax())))
        wide = self.box_wide if self.box_wide is not None else (
            BAND_BOX_WIDE if tree and band
            and getattr(target.model, "library", "") in BAND_WIDE_LIBRARIES
            else 0)  # M74 (issue 16 stop 74, h16w): XGBoost's band entry reads tab_box_above
        if tree and wide:  # the box over more missed leaves (W74), read above the ten's (M74)
            features.update(wide_box_features(
                target.model, ref, records, x_all.numpy(), schema, target.num_classes,
                wide, self.box_mean, replay, silent, int(prior.argmax())))
            features["tab_box_above"] = box_above(features["tab_box"], features["tab_box_wide"])
        elif tree and band:  # box_wide=0 asked for: the band entry reads tab_box as it is
            features["tab_box_above"] = features["tab_box"]
        elif self.box_wide:  # asked for, never silent
            notes.append(BOX_WIDE_UNREAD.format(n=self.box_wide))
        features["tab_excess"] = float(excess.max())
        if self.sure_order or read_sure:  # recorded where read (trees: 0; issue 16 stop 50)
            # the share of the rows surest of another class that the suspected class's excess
            # combination sends to it, and the largest excess searched on those rows alone
            flip_of = {r.cls: r.details.get("excess_flip", 0.0) for r in per_class}
            features["tab_excess_flip"] = float(flip_of.get(int(excess.argmax()), 0.0))
            features["tab_excess_sure"] = float(max(
                (r.details.get("excess_sure", 0.0) for r in per_class), default=0.0))
        # how far the suspected class's excess stands above the next class's: clean networks
        # answer natural extremes of either class alike, a backdoor answers towards one
        second = np.sort(excess)[-2] if len(excess) > 1 else 0.0
        features["tab_excess_gap"] = float(excess.max() - second)
        vs_twins, twin_found = None, {}
        if twins:
            vs_twins, twin_found = self.against_twins(
                target.model, x_all, y_all, inner, seed, target.num_classes,
                [r.cls for r in per_class], twins, rises)
            features.update(twin_features(vs_twins))
            for r in per_class:
                r.details["excess_vs_twins"] = float(vs_twins[r.cls])
        # ``references`` clean trees of the model's kind: its features against theirs, and the
        # first of them the contrast naming's reference below (one tree fewer to train)
        refs = self.reference_models(target, x_all, y_all, seed) if tree else []
        if tree:
            features.update(self.against_references(target, x_all, y_all, features, seed,
                                                    refs))
        if tree and self.depth_twins:  # candidate T73 (opt-in): twins of the model's depth
            features.update(self.against_depth_twins(target, x_all, y_all, own, features,
                                                     seed))
        elif self.depth_twins:  # asked for, never silent
            notes.append(DEPTH_TWINS_UNREAD.format(n=self.depth_twins))
        order = [r.cls for r in ranked]
        if tree:
            order = tree_target_order(order, mass, self.mass_sure, self.naming_box(
                target, ref, records, x_all.numpy(), y_all.numpy(), schema, replay, boxes,
                silent, band),
                recur if band and self.names_by_recurrence(target.model) else None)
        elif vs_twins is not None and (self.twin_order is True or (
                self.twin_order is None and not beside)):  # neither reference explains
            order = [int(c) for c in np.lexsort((-excess, -(excess + vs_twins)))]
            found = {c: twin_found.get(c, found.get(c, [])) for c in found}
        elif self.sure_order:  # the class whose sure rows the data explain least (stop 50)
            order = [int(c) for c in np.lexsort((-excess, -sure))]
            found = {c: sure_found.get(c, found.get(c, [])) for c in found}
        else:  # networks: the class whose response the data explain least
            order = [int(c) for c in np.argsort(-excess, kind="stable")]
            found = {c: excess_found.get(c, found.get(c, [])) for c in found}
        # an unsearched class is not ranked (the mass or box order could name it: its note
        # says why it is missing)
        order = [c for c in order if c not in silent]
        if self.lever_twins:  # candidate W (opt-in): the combination's flip beside the twins'
            combos = self.levers(target, x_all, y_all, seed, tree, candidates,
                                 {r.cls: found.get(r.cls, []) for r in per_class}, order,
                                 per_class, features)
            if self.lever_order and tree:  # the class the twins explain least (stop 62)
                order = sorted(combos, key=lambda c: -combos[c][0])
                found = {c: combos[c][1] if c in combos else found.get(c, []) for c in found}
        if self.lever_order and not (self.lever_twins and tree):  # asked for, never silent
            notes.append("lever_order=1 not read: it orders a tree's classes by the contrast "
                         "against clean twins (lever_twins > 0), and this is "
                         + ("a network" if tree is False else "a tree read without them"))
        verdict = ModelVerdict(self.name, top.score, order,
                               sorted(per_class, key=lambda r: r.cls), features,
                               detector_notes=notes)
        verdict.short_notes.update(size_short_notes(  # the console's one line (stop 74)
            small, len(x_all), self.calibrated_rows, self.size_calibration))
        # calibrated apart (their scales differ), trees per library where calibrated so
        verdict.family = f"tree:{getattr(target.model, 'library', '')}" if tree else "network"
        if twins and not beside:  # read by its own calibrator where one is fitted
            verdict.family += ":twins"
        elif read_sure and sure_rows:  # the ``network:sure`` calibrator (``:sure:twins``
            # with ``whole_twins``: its own entry where the file holds one, else ``:sure``'s)
            verdict.family += ":sure:twins" if twins else ":sure"
        if band:
            verdict.family += f":{band}"
        # the words only: the features and the order are the greedy's
        if self.name_categories and order and order[0] in picks:
            found[order[0]] = with_categories(self.greedy, target.model, x_all[picks[order[0]]],
                                              order[0], candidates, found[order[0]])
        if order and order[0] in picks:
            found[order[0]] = self.contrast_words(target, x_all, y_all, seed, ref, refs, tree,
                                                  x_all[picks[order[0]]], order[0],
                                                  candidates, found[order[0]])
        verdict.trigger_text = {
            r.cls: " and ".join(c.said for c in found[r.cls])
            for r in per_class}
        verdict.trigger_reach = {  # the named set on the rows it was searched on
            r.cls: reach_words(r.cls, len(picks[r.cls]), answered[r.cls],
                               moved(target.model, x_all[picks[r.cls]], r.cls, found[r.cls]),
                               moved(target.model, x_all[picks[r.cls]], r.cls,
                                     found[r.cls][:1]), len(found[r.cls]))
            for r in per_class if found[r.cls]}
        return verdict

    def contrast_words(self, target: InspectionTarget, x: Tensor, y: Tensor, seed: int,
                       linear: Any, refs: list[Any], tree: bool, rows: Tensor, t: int,
                       candidates: list[Candidate], named: list[Candidate]) -> list[Candidate]:
        """The suspected class ``t``'s line from the greedy's ``named`` on its searched
        ``rows``: by contrast with a clean reference of the model's kind trained on ``x``,
        ``y`` (``name_contrast``; networks where ``contrast_networks``), then a tree's read
        against that reference's split thresholds (``name_splits``). ``refs``: the
        ``references`` trees trained already, the first reused where it was grown as the
        contrast's own (every row and column: not with ``reference_sampling``, whose trees
        copy the model's row and column shares); ``linear``: the reference for a model
        without one of its kind."""
        contrast = self.name_contrast and (tree or self.contrast_networks)
        splits = self.name_splits and tree
        if not (contrast or splits):
            return named
        reference = clean_reference(target.model, x, y, target.num_classes, seed, linear,
                                    trained=[] if self.reference_sampling else refs)
        line = (named_by_contrast(target.model, reference, rows, t, candidates, named,
                                  self.max_features) if contrast else list(named))
        if splits:
            line = named_by_splits(target.model, reference, rows, t, candidates, line, named,
                                   self.max_features)
        return line

    def levers(self, target: InspectionTarget, x: Tensor, y: Tensor, seed: int, tree: bool,
               candidates: list[Candidate], found: dict[int, list[Candidate]],
               order: list[int], per_class: list[ClassResult],
               features: dict[str, float]) -> dict[int, tuple[float, list[Candidate]]]:
        """``tab_lever_*`` (:mod:`.tabular_lever`): ``lever_twins`` clean twins fitted on the
        file; each searched class's combination (``found``) and the combination the contrast
        search finds against the twins, applied to the model and to them; per class in the
        details (``lever_model`` / ``lever_twins``, ``lever_excess``, ``lever_cmodel`` /
        ``lever_ctwins``). Returns each class's contrast excess and combination."""
        twins = lever_twins(target.model, x, y, target.num_classes, self.lever_twins, seed, tree)
        ref = MeanOfNets(twins)
        inner = interior(candidates, x, self.excess_tail)
        greedy = combo_flips(target.model, twins, x, y, found, apply)
        combos = {t: self.class_excess(target.model, ref, x[torch.nonzero(y != t).flatten()], t,
                                       inner, seed + LEVER_SEARCH)
                  for t in found}
        flips = combo_flips(target.model, twins, x, y, {t: c for t, (_, c) in combos.items()},
                            apply)
        contrast = {t: (float(combos[t][0]), *flips[t]) for t in found}
        features.update(lever_features(greedy, contrast, order[0] if order else None))
        for r in per_class:
            r.details["lever_model"], r.details["lever_twins"] = greedy[r.cls]
            (r.details["lever_excess"], r.details["lever_cmodel"],
             r.details["lever_ctwins"]) = contrast[r.cls]
        return {t: (float(ex), combo) for t, (ex, combo) in combos.items()}

    def against_depth_twins(self, target: InspectionTarget, x: Tensor, y: Tensor, own: Tensor,
                            features: dict[str, float], seed: int) -> dict[str, float]:
        """``<feature>_twin`` (:mod:`.tree_depth_twins`): the tree's band features less
        those of ``depth_twins`` clean twins of its kind, each trained on half the file
        towards the model's answers and read with the whole file by this search."""
        twins = half_twins(target.model, x.numpy(), own.numpy(), y.numpy(), target.num_classes,
                           self.depth_twins, seed, self.min_per_class)
        plain = TabularSearch(**{**self.get_params(), "references": 0, "depth_twins": 0,
                                 "lever_twins": 0, "lever_order": False,
                                 "name_contrast": False, "name_splits": False})  # words: none
        read = [plain.read(InspectionTarget(t, target.input_shape, target.num_classes,
                                            target.clean),
                           torch.Generator().manual_seed(seed + k)).features
                for k, t in enumerate(twins)]
        return twin_gaps(features, read)

    def reference_models(self, target: InspectionTarget, x: Tensor, y: Tensor,
                         seed: int) -> list[Any]:
        """``references`` clean trees of the model's library and size trained on the clean
        rows with ``seed``, ``seed + 1``, ... (:mod:`.tree_reference`); none by default."""
        return reference_trees(target.model, x.numpy(), y.numpy(), target.num_classes,
                               self.references, seed, sampling=self.reference_sampling)

    def against_references(self, target: InspectionTarget, x: Tensor, y: Tensor,
                           own: dict[str, float], seed: int,
                           refs: list[Any] | None = None) -> dict[str, float]:
        """The tree's features minus those of ``references`` clean trees of its library and
        size trained on the clean rows (``refs``: those trees, trained already; else
        :meth:`reference_models`)."""
        if refs is None:
            refs = self.reference_models(target, x, y, seed)
        plain = TabularSearch(**{**self.get_params(), "references": 0,
                                 "name_contrast": False, "name_splits": False})  # words: none
        feats = [plain.run(InspectionTarget(ref, ref.input_shape, target.num_classes,
                                            target.clean),
                           torch.Generator().manual_seed(seed + k)).features
                 for k, ref in enumerate(refs)]
        return referenced(own, feats)

    def against_twins(self, model: torch.nn.Module, x: Tensor, y: Tensor,
                      inner: list[Candidate], seed: int, num_classes: int,
                      classes: list[int], count: int, rises: RiseCache | None = None
                      ) -> tuple[np.ndarray, dict[int, list[Candidate]]]:
        """The network's per-class excess with ``count`` clean networks of its shape trained
        on the clean file as the reference (:mod:`.tabular_twins`), searched alike, and the
        combination found per class (the model's rises from ``rises`` where kept)."""
        mean_net = MeanOfNets(twin_networks(model, x, y, count, seed + 1000, self.twin_fit))
        vs_twins, combos = np.zeros(num_classes), {}
        for t in classes:
            rows = x[torch.nonzero(y != t).flatten()]
            vs_twins[t], combos[t] = self.class_excess(model, mean_net, rows, t, inner, seed,
                                                       rises)
        return vs_twins, combos

    def class_excess(self, model: torch.nn.Module, ref: torch.nn.Module, x: Tensor, t: int,
                     inner: list[Candidate], seed: int,
                     rises: RiseCache | None = None) -> tuple[float, list[Candidate]]:
        """``t``'s excess and its combination: the seeded search, or the category-pair screen
        where that is on and finds more (:mod:`.tabular_excess`)."""
        best, combo = class_excess(model, ref, x, t, inner, rises)
        if self.pair_screen:
            cats = [c for c in inner if not c.numeric]
            more, found = screened_excess(model, ref, x, t, cats, inner, self.pair_screen,
                                          seed + 1 + t, rises=rises)
            if more > best:
                best, combo = more, found
        return best, combo

    def sure_excess(self, model: torch.nn.Module, ref: torch.nn.Module, x: Tensor, t: int,
                    inner: list[Candidate], seed: int, rises: RiseCache | None = None
                    ) -> tuple[float, list[Candidate]]:
        """``t``'s excess searched on the rows surest of another class ``x``, and its
        combination: the search of
        :meth:`class_excess`, and (with the pair screen on) every triple of categories on
        three columns (:func:`.tabular_excess.triple_excess`; ``tab_excess_sure``, stop 50)."""
        best, combo = self.class_excess(model, ref, x, t, inner, seed, rises)
        if self.pair_screen:
            cats = [c for c in inner if not c.numeric]
            more, found = triple_excess(model, ref, x, t, cats, self.pair_screen,
                                        seed + 1 + t, rises=rises)
            if more > best:
                best, combo = more, found
        return best, combo

    # -- candidates ----------------------------------------------------------------------------
    def candidates(self, model: torch.nn.Module, schema: TabularSchema,
                   x: Tensor) -> list[Candidate]:
        """Every category, and numeric values from split thresholds or quantiles."""
        splits = model.split_points() if hasattr(model, "split_points") else None
        unread = getattr(model, "unread_columns", set())  # a user's model: columns it lacks
        library = getattr(model, "library", None)  # a tree's side of a threshold
        out: list[Candidate] = []
        for col, start in zip(schema.columns, schema.offsets, strict=True):
            width = col.width
            if col.name in unread:
                continue
            if col.kind == "categorical":
                for i, value in enumerate(col.categories):
                    vals = [0.0] * width
                    vals[i] = 1.0
                    out.append(Candidate(col.name, value, list(range(start, start + width)),
                                         vals))
                continue
            cols = [start] + ([start + 1] if col.has_missing else [])
            for v in self.numeric_values(splits, start, x[:, start]):
                text = schema.describe(start, v)[1]
                span = span_words(col, v, splits.get(start, []), library) if splits else None
                out.append(Candidate(col.name, text, cols, [v] + [0.0] * (len(cols) - 1),
                                     numeric=True, span=span or ""))
        return out

    def numeric_values(self, splits: dict[int, list[float]] | None, feature: int,
                       column: Tensor) -> list[float]:
        if splits is None:
            qs = torch.linspace(0, 1, QUANTILE_GRID, dtype=torch.float64)
            return sorted({float(v) for v in torch.quantile(column.double(), qs)})
        cuts = sorted({float(c) for c in splits.get(feature, []) if 0.0 <= c <= 1.0})
        if not cuts:
            return []
        edges = [0.0, *cuts, 1.0]
        mids = [(a + b) / 2 for a, b in itertools.pairwise(edges) if b > a]
        mids += [max(0.0, cuts[0] - EPS), min(1.0, cuts[-1] + EPS)]
        mids = sorted(set(mids))
        if len(mids) > self.max_candidates:
            # keep the narrowest intervals (exact-value triggers) and an even spread of the rest
            widths = np.diff(np.asarray(edges))
            order = np.argsort(widths)[: self.max_candidates // 2]
            narrow = {(edges[i] + edges[i + 1]) / 2 for i in order}
            spread = set(np.asarray(mids)[np.linspace(0, len(mids) - 1,
                                                      self.max_candidates // 2).astype(int)])
            mids = sorted(narrow | {float(v) for v in spread})
        return mids

    def boxes(self, target: InspectionTarget, ref: Any, records: list[Any], early: list[Any],
              x: np.ndarray, y: np.ndarray, schema: Any, replay: Any,
              band: str | None = None) -> Any:
        """``tab_box``'s per-class excess: the ``box_top`` leaves of ``box_rank``'s ranking
        (``band``: the file's size band, which ``auto`` reads), and with ``box_recur`` the
        leaves of each class's largest recurring bounds too."""
        by_bound = self.ranks_by_bound(target.model, band)
        if not self.box_recur and not by_bound:
            return box_excess(target.model, ref, records, x, y, schema, target.num_classes,
                              rows=self.rows, top=self.box_top, mean_of=self.box_mean,
                              replay=replay)
        leaves = {}
        for c in range(target.num_classes):
            chosen = (bound_leaves(early, len(x), c, self.box_top) if by_bound
                      else most_missed(records, c, len(x), self.box_top))
            leaves[c] = (with_recurring(chosen, early, len(x), c, self.box_recur)
                         if self.box_recur else chosen)
        return leaf_excess(target.model, ref, leaves, x, schema, target.num_classes,
                           self.box_mean, replay)

    def naming_box(self, target: InspectionTarget, ref: Any, records: list[Any], x: np.ndarray,
                   y: np.ndarray, schema: Any, replay: Any, boxes: Any,
                   silent: set[int], band: str | None = None) -> np.ndarray | None:
        """The per-class box excess that names a tree's target: ``boxes``' (the one scored),
        or with ``box_target=deficit`` on a tree ranked by bound, the most missed leaves'
        (B67 named two LightGBM targets wrong by its bound ranking; issue 16 stop 68)."""
        if boxes is None:
            return None
        if self.box_target == "rank" or not self.ranks_by_bound(target.model, band):
            return boxes.excess
        named = box_excess(target.model, ref, records, x, y, schema, target.num_classes,
                           rows=self.rows, top=self.box_top, mean_of=self.box_mean,
                           replay=replay).excess
        named[list(silent)] = 0.0
        return named

    def contrasts(self, model: Any) -> bool:
        """Whether ``recur_contrast`` reads this tree's recurrence against the other class."""
        return (self.recur_contrast == "all"
                or self.recur_contrast == getattr(model, "library", ""))

    def names_by_recurrence(self, model: Any) -> bool:
        """Whether ``target_recur`` names this tree's target by its bound recurrence (with a
        file in a size band)."""
        return (self.target_recur == "all"
                or self.target_recur == getattr(model, "library", ""))

    def ranks_by_bound(self, model: Any, band: str | None = None) -> bool:
        """Whether ``box_rank`` chooses this tree's box leaves by their recurring bound
        (``band``: the file's size band; ``auto`` ranks LightGBM's by bound only there)."""
        rank = self.box_rank
        if rank == "auto":
            rank = "bound_lightgbm" if band else "deficit"
        return rank == "bound" or (
            rank == "bound_lightgbm" and getattr(model, "library", "") == "lightgbm")

    def mass_records(self, model: Any, records: list[Any]) -> list[Any]:
        """The leaf records of the first ``mass_trees`` boosting steps. A random forest's
        step holds ``parallel`` trees per class, so counting trees alone would read only
        class 0's."""
        steps = self.mass_trees * int(getattr(model, "parallel", 1))
        return [r for r in records if r.tree < steps]

    # -- search --------------------------------------------------------------------------------
    def greedy(self, model: torch.nn.Module, x: Tensor, t: int,
               candidates: list[Candidate]) -> tuple[list[float], list[Candidate], float]:
        """Flip rates after each greedy step, the assignments chosen, and the flip rate with
        none (rows the model already gives to ``t``)."""
        current = x.clone()
        with torch.no_grad():
            base = float((model(current).argmax(1) == t).float().mean())
        chosen: list[Candidate] = []
        flips: list[float] = []
        for _ in range(self.max_features):
            used = {c.column for c in chosen}
            pool = [c for c in candidates if c.column not in used]
            if not pool:
                break
            scores, rates = self.score_all(model, current, t, pool)
            best = int(np.argmax(scores))
            chosen.append(pool[best])
            current = apply(current, pool[best])
            flips.append(float(rates[best]))
        while len(flips) < self.max_features:
            flips.append(flips[-1] if flips else base)
        return flips, chosen, base

    def score_all(self, model: torch.nn.Module, x: Tensor, t: int,
                  pool: list[Candidate]) -> tuple[np.ndarray, np.ndarray]:
        """Mean probability of ``t`` and flip rate for ``x`` with each candidate applied."""
        n = len(x)
        scores, rates = np.zeros(len(pool)), np.zeros(len(pool))
        chunk = max(1, 20000 // n)
        for s in range(0, len(pool), chunk):
            part = pool[s : s + chunk]
            batch = torch.cat([apply(x, c) for c in part])
            with torch.no_grad():
                logits = model(batch).float()
            proba = torch.softmax(logits, dim=1)[:, t].reshape(len(part), n)
            hits = (logits.argmax(1) == t).float().reshape(len(part), n)
            scores[s : s + len(part)] = proba.mean(1).numpy()
            rates[s : s + len(part)] = hits.mean(1).numpy()
        return scores, rates


# a class is skipped only where its rows to flip are also a small share of the other classes'
# rows (review of stop 38): a small user file gives a real backdoor's target few rows in all
# (5 of 9 fraud rows), which is not the lending-club trees' handful out of hundreds
SILENT_SHARE = 0.2


def silent_classes(y: Tensor, own: Tensor, num_classes: int, min_sources: int) -> set[int]:
    """The classes with fewer than ``min_sources`` rows to flip (rows of another class the
    model answers rightly) that are also under :data:`SILENT_SHARE` of the other classes'
    clean rows, where some class is not such (else none: the model is read as before rather
    than not at all)."""
    return skipped_of(*source_counts(y, own, num_classes), min_sources)


def skipped_of(counts: list[int], others: list[int], min_sources: int) -> set[int]:
    """:func:`silent_classes` from the counts: per class its rows to flip and the other
    classes' clean rows."""
    silent = {t for t, (n, m) in enumerate(zip(counts, others, strict=True))
              if n < min_sources and n < SILENT_SHARE * m}
    return set() if len(silent) == len(counts) else silent


def source_counts(y: Tensor, own: Tensor, num_classes: int) -> tuple[list[int], list[int]]:
    """Per class ``t``: the clean rows of another class the model answers rightly (the rows a
    trigger towards ``t`` could flip), and all clean rows of another class."""
    return ([int(((y != t) & (own == y)).sum()) for t in range(num_classes)],
            [int((y != t).sum()) for t in range(num_classes)])


def silent_note(silent: set[int], y: Tensor, own: Tensor, num_classes: int,
                min_sources: int) -> str:
    """The coverage note naming the classes :func:`silent_classes` left unsearched."""
    counts, others = source_counts(y, own, num_classes)
    each = "; ".join(f"class {t} not searched: only {counts[t]} of the {others[t]} clean rows "
                     f"of other classes answered rightly to flip (< min_sources {min_sources})"
                     for t in sorted(silent))
    return (f"{each}; the count is over the clean file given, and a backdoor towards such a "
            "class is not looked for (`-p min_sources=1` reads it); the tree calibrators were "
            "fitted with every class searched")


def moved(model: torch.nn.Module, rows: Tensor, t: int, cands: list[Candidate]) -> int:
    """How many of ``rows`` the model gives to ``t`` with every candidate applied
    (:func:`.tabular_excess.combo_flip`'s share, as a count)."""
    return round(combo_flip(model, rows, t, cands) * len(rows))


def apply(x: Tensor, cand: Candidate) -> Tensor:
    out = x.clone()
    out[:, cand.cols] = torch.tensor(cand.vals, dtype=x.dtype)
    return out


def interior(candidates: list[Candidate], x: Tensor, tail: float) -> list[Candidate]:
    """Categories, and numbers inside the clean rows' [tail, 1 - tail] quantiles. A network
    extrapolates at a column's extremes beyond what a linear reference follows, backdoored or
    not (calibration zoos: clean MLPs' best combinations were extreme amounts and terms), while
    an in-distribution trigger, made to pass outlier filters, sets ordinary values."""
    if tail <= 0:
        return list(candidates)
    bounds: dict[int, tuple[float, float]] = {}
    out = []
    for cand in candidates:
        if not cand.numeric:
            out.append(cand)
            continue
        f = cand.cols[0]
        if f not in bounds:
            q = torch.quantile(x[:, f].double(), torch.tensor([tail, 1.0 - tail],
                                                              dtype=torch.float64))
            bounds[f] = (float(q[0]) - 1e-6, float(q[1]) + 1e-6)
        if bounds[f][0] <= cand.vals[0] <= bounds[f][1]:
            out.append(cand)
    return out


def enrichment(x: Tensor, y: Tensor, t: int, cand: Candidate, neighbours: int) -> float:
    """How much the clean rows that hold ``cand``'s value are class ``t`` beyond ``t``'s
    overall share, in log odds: for a category, its rows; for a number, the ``neighbours``
    rows nearest to it. Both are shrunk towards the prior by five pseudo-rows, so a value few
    rows hold counts as neutral. Natural risk factors are enriched; backdoor values are not."""
    prior = float((y == t).float().mean())
    if len(cand.vals) > 1 and set(cand.vals) <= {0.0, 1.0} and cand.vals.count(1.0) == 1:
        hold = x[:, cand.cols[cand.vals.index(1.0)]] > 0.5
    else:
        distance = (x[:, cand.cols[0]] - cand.vals[0]).abs()
        hold = torch.zeros(len(x), dtype=torch.bool)
        hold[torch.argsort(distance)[:neighbours]] = True
    n = int(hold.sum())
    share = (float((y[hold] == t).float().sum()) + PSEUDO_ROWS * prior) / (n + PSEUDO_ROWS)
    return _logit(share) - _logit(prior)


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return float(np.log(p / (1 - p)))


def score_of(flips: list[float], enrich: float) -> float:
    """Per-class suspicion: the flip reached early (area under the flip curve), discounted by
    how natural the values are."""
    return float(np.mean(flips)) - 0.25 * max(0.0, enrich)


def majority_features(per_class: list[ClassResult], major: int, excess: np.ndarray,
                      box: np.ndarray | None, group: np.ndarray | None,
                      group_rel: np.ndarray | None) -> dict[str, float]:
    """The evidence for the class the model predicts most (``major``) alone, whatever class
    the search ranks first (``tab_major_*``). A backdoor towards the majority class (class 0
    of credit data) hides under the minority class's natural features: flipping minority
    rows to the majority is natural, and the top class is then the minority's; these ask
    the majority's own question — how far do neutral values move the rows the model gives
    to the minority, and do the majority's leaf groups miss clean rows beyond their own
    scale (issue 16 step 8). 0 where there is no such evidence (no minority rows, or a
    network's tree features)."""
    own = next((r for r in per_class if r.cls == major), None)
    detail = own.details if own is not None else {}
    return {
        "tab_major_score": own.score if own is not None else 0.0,
        "tab_major_flip_1": float(detail.get("flip_1", 0.0)),
        "tab_major_flip_2": float(detail.get("flip_2", detail.get("flip_1", 0.0))),
        "tab_major_enrichment": float(detail.get("enrichment", 0.0)),
        "tab_major_excess": float(excess[major]),
        "tab_major_box": float(box[major]) if box is not None else 0.0,
        "tab_major_group": float(np.log1p(group[major])) if group is not None else 0.0,
        "tab_major_group_rel": float(np.log1p(group_rel[major]))
        if group_rel is not None else 0.0,
    }


def recurrence_features(recur: np.ndarray | None, major: int) -> dict[str, float]:
    """``tab_major_recur``: log1p of the majority class's :func:`.tree_mass.bound_recurrence`;
    ``tab_major_recur_lead``: that less the largest other class's (a tree's own depth sets
    both; 0 without trees)."""
    if recur is None:
        return {"tab_major_recur": 0.0, "tab_major_recur_lead": 0.0}
    logs = np.log1p(recur)
    others = np.delete(logs, major)
    return {"tab_major_recur": float(logs[major]),
            "tab_major_recur_lead": float(logs[major] - (others.max() if len(others) else 0.0))}


def tree_target_order(ranked: list[int], mass: np.ndarray, mass_sure: float,
                      box: np.ndarray | None, recur: np.ndarray | None = None) -> list[int]:
    """A tree's classes, likeliest target first: the class with the most missing training
    mass when that reaches ``mass_sure`` (the trees' own record names it), else (``recur``
    given: ``target_recur``) the class whose bound recurrence leads the next by more than
    ``RECUR_NAME_MARGIN`` in log1p, else the class whose missed leaves' boxes flip clean
    rows most, else (no box flips anything) ``ranked``."""
    if mass.max() >= mass_sure:
        top = int(mass.argmax())
        return [top] + [c for c in ranked if c != top]
    if recur is not None and len(recur) > 1:
        logs = np.log1p(np.asarray(recur, dtype=float))
        top = int(logs.argmax())
        if logs[top] - np.delete(logs, top).max() > RECUR_NAME_MARGIN:
            return [top] + [c for c in ranked if c != top]
    if box is not None and box.max() > 0:
        return [int(c) for c in np.argsort(-box, kind="stable")]
    return list(ranked)
