"""The shapes world: scene sampling, anti-aliased rendering, the prompt grammar and the tokenizer.

Everything here is fixed by issue 3; other tools (the TypeScript eval, the judge) rely on it.
"""
from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass, field, asdict

import numpy as np
from PIL import Image, ImageDraw

COLOURS = {
    "red": (220, 40, 40), "green": (40, 170, 60), "blue": (40, 80, 220), "yellow": (240, 210, 40),
    "purple": (140, 60, 180), "orange": (245, 140, 30), "white": (240, 240, 240), "black": (20, 20, 20),
}
COLOUR_NAMES = list(COLOURS)                       # index order used by every classifier head
BACKGROUNDS = COLOUR_NAMES + ["gray"]              # 9 backgrounds; gray = (128,128,128)
BG_RGB = dict(COLOURS, gray=(128, 128, 128))
SHAPES = ["circle", "square", "triangle", "star", "ring", "cross"]
SIZES = ["small", "large"]
SIZE_PX = {"small": 24, "large": 36}
POSITIONS = ["top left", "top", "top right", "left", "center", "right", "bottom left", "bottom", "bottom right"]
GRID = [18, 32, 46]
POS_CELL = {p: (i // 3, i % 3) for i, p in enumerate(POSITIONS)}  # (row, col)
SS = 4  # supersampling factor
IMG = 64


@dataclass
class Obj:
    colour: str
    shape: str
    size: str
    position: str
    dx: float = 0.0
    dy: float = 0.0
    scale: float = 1.0  # the world draws D exactly (1.0); the judge also trains on slightly off sizes


@dataclass
class Scene:
    objects: list
    background: str

    def to_json(self):
        return {"objects": [{k: getattr(o, k) for k in ("colour", "shape", "size", "position")} for o in self.objects],
                "background": self.background}


def cells_adjacent(a: str, b: str) -> bool:
    (r1, c1), (r2, c2) = POS_CELL[a], POS_CELL[b]
    return max(abs(r1 - r2), abs(c1 - c2)) <= 1


def sample_scene(rng: random.Random, p_two: float = 0.35, jitter: float = 2.0, scale: float = 0.0) -> Scene:
    """A random scene of the world: `jitter` (px) is the world's +-2 and `scale` 0. The judge also trains on
    wider jitter and sizes off by up to +-`scale` (a fraction of D), as generated objects are (the teacher
    draws large objects ~10% too big, and a judge that never saw that reported them missing)."""
    if rng.random() < p_two:
        while True:
            p1, p2 = rng.sample(POSITIONS, 2)
            if not cells_adjacent(p1, p2):
                break
        c1, c2 = rng.sample(COLOUR_NAMES, 2)
        objs = [Obj(c1, rng.choice(SHAPES), "small", p1), Obj(c2, rng.choice(SHAPES), "small", p2)]
    else:
        objs = [Obj(rng.choice(COLOUR_NAMES), rng.choice(SHAPES), rng.choice(SIZES), rng.choice(POSITIONS))]
    used = {o.colour for o in objs}
    bg = rng.choice([b for b in BACKGROUNDS if b not in used])
    for o in objs:
        o.dx, o.dy = rng.uniform(-jitter, jitter), rng.uniform(-jitter, jitter)
        if scale:
            o.scale = rng.uniform(1 - scale, 1 + scale)
    return Scene(objs, bg)


def _shape_polys(shape: str, cx: float, cy: float, D: float):
    """Return a list of (kind, geometry, fill?) drawing ops in supersampled pixel coordinates."""
    r = D / 2
    if shape == "circle":
        return [("ellipse", (cx - r, cy - r, cx + r, cy + r), True)]
    if shape == "square":
        return [("rect", (cx - r, cy - r, cx + r, cy + r), True)]
    if shape == "triangle":
        return [("poly", [(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], True)]
    if shape == "star":
        pts = []
        for i in range(10):
            ang = -math.pi / 2 + i * math.pi / 5
            rad = r if i % 2 == 0 else 0.45 * r
            pts.append((cx + rad * math.cos(ang), cy + rad * math.sin(ang)))
        return [("poly", pts, True)]
    if shape == "ring":
        ri = 0.55 * r
        return [("ellipse", (cx - r, cy - r, cx + r, cy + r), True), ("ellipse", (cx - ri, cy - ri, cx + ri, cy + ri), False)]
    if shape == "cross":
        w = 0.34 * D / 2
        return [("rect", (cx - r, cy - w, cx + r, cy + w), True), ("rect", (cx - w, cy - r, cx + w, cy + r), True)]
    raise ValueError(shape)


def render(scene: Scene, overrides: dict | None = None) -> np.ndarray:
    """Render a scene to uint8 [64,64,3] (anti-aliased by 4x supersampling + box averaging)."""
    S = IMG * SS
    bg = BG_RGB[scene.background]
    im = Image.new("RGB", (S, S), bg)
    d = ImageDraw.Draw(im)
    for o in scene.objects:
        r, c = POS_CELL[o.position]
        cx, cy = (GRID[c] + o.dx) * SS, (GRID[r] + o.dy) * SS
        D = SIZE_PX[o.size] * o.scale * SS
        col = COLOURS[o.colour]
        for kind, geom, fill in _shape_polys(o.shape, cx, cy, D):
            colr = col if fill else bg
            # PIL boxes are inclusive; subtract 1 on the far edge so areas are exact at SS resolution
            if kind == "ellipse":
                d.ellipse((geom[0], geom[1], geom[2] - 1, geom[3] - 1), fill=colr)
            elif kind == "rect":
                d.rectangle((geom[0], geom[1], geom[2] - 1, geom[3] - 1), fill=colr)
            else:
                d.polygon(geom, fill=colr)
    im = im.resize((IMG, IMG), Image.BOX)
    return np.asarray(im, dtype=np.uint8)


# ---------------------------------------------------------------- prompts
def _obj_phrase(o: Obj, size=True, pos=True) -> str:
    s = "a " + (o.size + " " if size else "") + f"{o.colour} {o.shape}"
    if pos:
        s += f" at the {o.position}"
    return s


def canonical_prompt(scene: Scene) -> str:
    objs = " and ".join(_obj_phrase(o) for o in scene.objects)
    return f"{objs} on a {scene.background} background"


def _an(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def prompt_variant(scene: Scene, rng: random.Random):
    """A training prompt for the scene: canonical (60%), attribute-omitting variants or paraphrases.

    Returns (prompt, spec) where spec says which attributes the prompt constrains:
    {"size": bool, "position": bool, "background": bool}.
    """
    u = rng.random()
    if u < 0.6:
        return canonical_prompt(scene), {"size": True, "position": True, "background": True}
    if u < 0.85:  # omit some attributes
        size, pos, bgk = rng.random() < 0.5, rng.random() < 0.5, rng.random() < 0.5
        objs = " and ".join(_obj_phrase(o, size, pos) for o in scene.objects)
        p = objs + (f" on a {scene.background} background" if bgk else "")
        return p, {"size": size, "position": pos, "background": bgk}
    # paraphrases (all attributes stated)
    k = rng.randrange(4)
    bg = scene.background
    if k == 0:
        objs = " and ".join(f"{_an(o.size)} {o.size} {o.colour} {o.shape} in the {o.position}" for o in scene.objects)
        p = f"{_an(bg)} {bg} background with {objs}"
    elif k == 1:
        objs = ", ".join(f"{o.colour} {o.shape}, {o.size}, {o.position}" for o in scene.objects)
        p = f"{objs}; {bg} background"
    elif k == 2:
        objs = " and ".join(f"{_an(o.size)} {o.size} {o.colour} {o.shape} placed at the {o.position}" for o in scene.objects)
        p = f"a picture of {objs}, on a plain {bg} background"
    else:
        objs = " and ".join(f"{o.size} {o.colour} {o.shape} at the {o.position}" for o in scene.objects)
        p = f"simple drawing: {objs} over {bg}"
    return p, {"size": True, "position": True, "background": True}


_CANON_OBJ = re.compile(
    r"an? (?:(small|large) )?(" + "|".join(COLOUR_NAMES) + r") (" + "|".join(SHAPES) + r")(?: at the (" +
    "|".join(sorted(POSITIONS, key=len, reverse=True)) + r"))?")


def parse_prompt(prompt: str) -> dict:
    """Parse a canonical (or attribute-omitting) prompt into {objects:[...], background}; missing = None."""
    p = prompt.lower().strip()
    bg = None
    m = re.search(r" on an? (\w+) background$", p)
    if m:
        bg = m.group(1)
        p = p[: m.start()]
    objs = []
    for part in p.split(" and "):
        mm = _CANON_OBJ.fullmatch(part.strip())
        if not mm:
            raise ValueError(f"not a canonical prompt: {prompt!r}")
        objs.append({"size": mm.group(1), "colour": mm.group(2), "shape": mm.group(3), "position": mm.group(4)})
    return {"objects": objs, "background": bg}


# ---------------------------------------------------------------- tokenizer
SPECIALS = ["[PAD]", "[UNK]", "[BOS]", "[EOS]"]
MAX_LEN = 32
EXTRA_WORDS = ["a", "an", "at", "the", "on", "and", "background", "in", "with", "placed", "picture", "of", "plain",
               "simple", "drawing", "over", "image", "photo", "scene", "showing", ",", ";", ":", "."]


def vocab() -> list:
    words = list(EXTRA_WORDS)
    for w in COLOUR_NAMES + ["gray", "grey"] + SHAPES + SIZES:
        if w not in words:
            words.append(w)
    for p in POSITIONS:
        for w in p.split():
            if w not in words:
                words.append(w)
    return SPECIALS + words


VOCAB = vocab()
TOK_ID = {w: i for i, w in enumerate(VOCAB)}
PAD, UNK, BOS, EOS = 0, 1, 2, 3
_PRE = re.compile(r"\w+|[^\w\s]+")  # = HF `Whitespace` pre-tokenizer


def encode(text: str, max_len: int = MAX_LEN) -> list:
    toks = _PRE.findall(text.lower())
    ids = [TOK_ID.get(t, UNK) for t in toks]
    ids = [BOS] + ids[: max_len - 2] + [EOS]
    return ids + [PAD] * (max_len - len(ids))


def tokenizer_json() -> dict:
    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": MAX_LEN, "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": MAX_LEN}, "direction": "Right", "pad_to_multiple_of": None,
                    "pad_id": PAD, "pad_type_id": 0, "pad_token": "[PAD]"},
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, t in enumerate(SPECIALS)],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[BOS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[EOS]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[BOS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[EOS]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[EOS]", "type_id": 1}}],
            "special_tokens": {"[BOS]": {"id": "[BOS]", "ids": [BOS], "tokens": ["[BOS]"]},
                               "[EOS]": {"id": "[EOS]", "ids": [EOS], "tokens": ["[EOS]"]}},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordLevel", "vocab": TOK_ID, "unk_token": "[UNK]"},
    }


def tokenizer_config() -> dict:
    return {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": MAX_LEN, "padding": "max_length",
            "truncation": True, "pad_token": "[PAD]", "unk_token": "[UNK]", "bos_token": "[BOS]",
            "eos_token": "[EOS]", "do_lower_case": True, "clean_up_tokenization_spaces": True}


# ---------------------------------------------------------------- datasets
def make_dataset(n: int, seed: int, p_two: float = 0.35, jitter: float = 2.0, scale: float = 0.0):
    """Render n scenes; returns (images uint8 [n,64,64,3], ids int64 [n,L], scenes, prompts)."""
    rng = random.Random(seed)
    imgs = np.zeros((n, IMG, IMG, 3), np.uint8)
    ids = np.zeros((n, MAX_LEN), np.int64)
    scenes, prompts = [], []
    for i in range(n):
        sc = sample_scene(rng, p_two, jitter, scale)
        p, _ = prompt_variant(sc, rng)
        imgs[i] = render(sc)
        ids[i] = encode(p)
        scenes.append(sc)
        prompts.append(p)
    return imgs, ids, scenes, prompts


def scene_targets(scenes):
    """Per-cell targets for the judge: presence [n,9], colour/shape/size [n,9] (-1 = no object), bg [n]."""
    n = len(scenes)
    pres = np.zeros((n, 9), np.float32)
    col = -np.ones((n, 9), np.int64)
    shp = -np.ones((n, 9), np.int64)
    siz = -np.ones((n, 9), np.int64)
    bg = np.zeros((n,), np.int64)
    for i, sc in enumerate(scenes):
        for o in sc.objects:
            c = POSITIONS.index(o.position)
            pres[i, c] = 1
            col[i, c] = COLOUR_NAMES.index(o.colour)
            shp[i, c] = SHAPES.index(o.shape)
            siz[i, c] = SIZES.index(o.size)
        bg[i] = BACKGROUNDS.index(sc.background)
    return pres, col, shp, siz, bg
