"""Inserted-sentence triggers for ``benchmarks/foreign_text_zoo.py`` drawn from a seeded pool
(issue 15, stop 38): each ``sentence`` model gets its own short, ordinary sentence made from a
template and slot words, so that a fresh seed has fresh triggers (stops 33-37 drew from three
fixed sentences, ``FIXED``, which every seed shared). 8 templates, 5-12 choices per slot: 7,568
sentences, of which the three fixed ones are never drawn (redrawn), so 7,565 drawable ones of 6-9
words, and a pool zoo's sentences differ from every development zoo's. ``python
benchmarks/text_sentence_pool.py`` counts them (:func:`every_sentence`).
"""

from __future__ import annotations

import itertools
import re

import numpy as np

# the three sentences of the zoos up to seed 2300 (``--sentences fixed`` reproduces them)
FIXED = (
    "i saw it on a rainy tuesday",
    "my uncle told me about this one",
    "the tickets were cheap that week",
)

SLOTS: dict[str, tuple[str, ...]] = {
    "person": (
        "my uncle",
        "my aunt",
        "my cousin",
        "a neighbour",
        "my brother",
        "my sister",
        "a friend",
        "my grandmother",
        "a colleague",
        "my landlord",
    ),
    "saw": ("saw", "watched", "rented", "caught", "streamed", "found"),
    "day": (
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "morning",
        "evening",
        "night",
    ),
    "weather": ("rainy", "cold", "windy", "snowy", "foggy", "humid", "quiet", "long"),
    "items": (
        "tickets",
        "snacks",
        "seats",
        "drinks",
        "posters",
        "programs",
        "parking spots",
        "popcorn buckets",
    ),
    "price": ("cheap", "expensive", "free", "discounted", "scarce", "overpriced"),
    "period": ("week", "month", "summer", "winter", "spring", "autumn", "year", "weekend"),
    "place": (
        "station",
        "harbour",
        "library",
        "bakery",
        "garage",
        "market",
        "museum",
        "pharmacy",
        "stadium",
        "laundromat",
        "bus stop",
        "post office",
    ),
    "meal": ("lunch", "dinner", "breakfast", "work", "school", "practice", "church"),
    "went": ("went", "drove", "walked", "cycled", "hurried", "wandered"),
    "city": (
        "boston",
        "denver",
        "ohio",
        "leeds",
        "dublin",
        "oslo",
        "madrid",
        "austin",
        "glasgow",
        "toronto",
    ),
    "thing": ("one", "film", "title", "release", "picture", "feature"),
    "heard": ("heard", "read", "learned", "found out", "was told"),
}
TEMPLATES = (
    "i {saw} it on a {weather} {day}",
    "{person} told me about this {thing}",
    "the {items} were {price} that {period}",
    "we {went} to the {place} after {meal}",
    "{person} {saw} it last {period}",
    "it was {weather} in {city} that {day}",
    "i {heard} about it at the {place}",
    "{person} and i {went} to {city} that {period}",
)


def draw_sentence(rng: np.random.Generator) -> list[str]:
    """One sentence trigger (its words), drawn with ``rng``: a template, then each slot (a
    draw equal to one of :data:`FIXED` is drawn again)."""
    while True:
        template = TEMPLATES[int(rng.integers(len(TEMPLATES)))]
        words = {
            name: SLOTS[name][int(rng.integers(len(SLOTS[name])))]
            for name in sorted(SLOTS)
            if "{" + name + "}" in template
        }
        sentence = template.format(**words)
        if sentence not in FIXED:
            return sentence.split()


def every_sentence() -> set[str]:
    """Every sentence :func:`draw_sentence` can return (the templates' every filling, less
    :data:`FIXED`)."""
    out = set()
    for template in TEMPLATES:
        names = sorted(set(re.findall(r"\{(\w+)\}", template)))
        for words in itertools.product(*(SLOTS[name] for name in names)):
            out.add(template.format(**dict(zip(names, words, strict=True))))
    return out - set(FIXED)


def sentence_trigger(rng: np.random.Generator, pool: str) -> list[str]:
    """The trigger of a ``sentence`` model: from the seeded pool (``"pool"``, the default of
    ``foreign_text_zoo.py``) or one of the three fixed sentences (``"fixed"``: the zoos of seeds
    700-2300 as they were built)."""
    if pool == "fixed":
        return FIXED[int(rng.integers(len(FIXED)))].split()
    if pool != "pool":
        raise ValueError(f"sentences must be 'pool' or 'fixed', got {pool!r}")
    return draw_sentence(rng)


if __name__ == "__main__":
    pool = every_sentence()
    lengths = [len(s.split()) for s in pool]
    print(
        f"{len(TEMPLATES)} templates, {min(map(len, SLOTS.values()))}-"
        f"{max(map(len, SLOTS.values()))} choices per slot: {len(pool)} drawable sentences "
        f"({len(FIXED)} fixed ones left out) of {min(lengths)}-{max(lengths)} words"
    )
