"""Index specs: load and validate ``config/indices/<id>.yaml``.

An index spec is data only: a tree of components (items -> competence -> area
-> index, or HR fields -> point tables -> dimension -> index), how each level
aggregates its children, weights, normalisation, the minimum share of answered
children, scale bounds, category bands (Bahasa Indonesia and English labels) and
targets. The format is documented in the comment header of
``config/indices/ikd.yaml``. Every problem is a :class:`ConfigError` naming the
file, the YAML path of the offending key and what was expected.
"""
from __future__ import annotations

import difflib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .. import paths
from ..errors import ConfigError

# libyaml's parser (same safe constructor) when installed: ~10x faster than the pure-Python one
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

AGGREGATIONS = ("mean", "weighted_mean", "geometric_mean", "sum")
NORMALISATIONS = ("none", "minmax", "zscore", "goalposts")
TOP_KEYS = {"id", "name", "description", "instrument", "scale", "index", "categories",
            "targets", "assumptions", "weights", "defaults", "reference", "uncertainty"}
NODE_KEYS = {"id", "label", "aggregation", "weight", "min_share", "normalise", "children",
             "items", "points", "item", "reverse", "scale", "target", "assumption", "note"}
POINT_KEYS = {"field", "lookup", "bands", "rules", "first_available", "missing", "default",
              "assumption", "note"}


@dataclass
class Node:
    """One component of the index tree.

    ``kind`` is ``item`` (a questionnaire column), ``points`` (an HR field scored
    by a point table) or ``group`` (aggregates its children)."""

    id: str
    kind: str
    path: str
    label: dict = field(default_factory=dict)
    aggregation: str = "mean"
    weight: float = 1.0
    min_share: float = 0.5
    normalise: dict | None = None
    children: list[Node] = field(default_factory=list)
    reverse: bool = False
    scale: tuple[float, float] | None = None
    points: dict | None = None
    target: float | None = None
    assumption: bool = False
    note: str | None = None

    def walk(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            yield from c.walk()

    def leaves(self) -> list[Node]:
        return [n for n in self.walk() if n.kind != "group"]


@dataclass
class Band:
    id: str
    min: float
    max: float | None
    label_id: str
    label_en: str


UNCERTAINTY_KEYS = {"n", "seed", "sensitivity", "sensitivity_n", "ci_resamples", "conf_level", "weights", "aggregation",
                    "normalisation", "leave_one_out", "min_share", "band_edges", "survey_weights", "sampling"}


@dataclass
class UncertaintySpec:
    """The ``uncertainty:`` block of an index spec: which build choices vary in
    the Monte Carlo analysis (:mod:`helpers.indices.uncertainty`) and how.

    A choice set to ``False`` (``None`` for the lists) is held at the spec's
    value. Defaults (the block may be absent) vary every choice the spec allows:
    weights uniform within +-25 %, arithmetic vs geometric mean where every
    component is strictly positive, the spec's normalisation against min-max and
    goalposts where the spec normalises, leaving one component out, the
    minimum-answered share, band edges by +-10 % of the mean band width, survey
    weights on / off, and a stratified bootstrap of respondents within units."""

    n: int = 1000
    seed: int = 20240601
    sensitivity: bool = True
    # base sample of the Saltelli design (n_s (D + 2) evaluations): separate from n, so
    # the uncertainty intervals keep 1000 draws while the indices cost a quarter
    sensitivity_n: int = 256
    ci_resamples: int = 100
    conf_level: float = 0.95
    weights: dict | None = field(default_factory=lambda: {"method": "uniform", "spread": 0.25})
    aggregation: list[str] | None = field(default_factory=lambda: ["arithmetic", "geometric"])
    normalisation: list[str] | None = field(default_factory=lambda: ["minmax", "goalposts"])
    leave_one_out: bool = True
    min_share: list[float] | None = field(default_factory=lambda: [0.25, 0.75, 1.0])
    band_edges: dict | None = field(default_factory=lambda: {"shift": 0.1})
    survey_weights: bool = True
    sampling: dict | None = field(default_factory=lambda: {"method": "bootstrap", "fpc": True})


@dataclass
class IndexSpec:
    """A validated index spec. ``root`` is the whole index (component ``overall``);
    its children are the reported components (areas / dimensions / pillars)."""

    id: str
    name: dict
    file: Path | None
    instruments: tuple[str, ...]
    scale: tuple[float, float] | None
    root: Node
    bands: list[Band]
    band_round: int | None
    bands_assumption: bool
    targets: dict[str, float]
    assumptions: list[dict]
    population: tuple[str, ...]
    raw: dict
    uncertainty: UncertaintySpec = field(default_factory=lambda: UncertaintySpec())

    @property
    def components(self) -> list[str]:
        return [c.id for c in self.root.children]

    @property
    def items(self) -> list[str]:
        return [n.id for n in self.root.leaves() if n.kind == "item"]

    @property
    def fields(self) -> list[str]:
        out: list[str] = []
        for n in self.root.leaves():
            if n.kind == "points":
                for f in point_fields(n.points):
                    if f not in out:
                        out.append(f)
        return out

    def node(self, node_id: str) -> Node:
        for n in self.root.walk():
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def items_under(self, node_id: str) -> list[Node]:
        return [n for n in self.node(node_id).leaves() if n.kind == "item"]

    def is_points(self) -> bool:
        return any(n.kind == "points" for n in self.root.leaves())


def point_fields(rule: dict) -> list[str]:
    """HR fields a point rule reads."""
    out = []
    if "field" in rule:
        out.append(rule["field"])
    for r in rule.get("rules", []):
        out.extend(r["when"].keys())
    for sub in rule.get("first_available", []):
        out.extend(point_fields(sub))
    return out


def rule_flagged(rule: dict | None) -> bool:
    """Whether a point table, or a table it falls back on, is marked as an assumption."""
    if not rule:
        return False
    return bool(rule.get("assumption")) or any(rule_flagged(r) for r in rule.get("first_available", []))


def point_range(rule: dict) -> tuple[float, float]:
    """Smallest and largest points a rule can give (NaN outcomes ignored)."""
    vals: list[float] = []
    if "lookup" in rule:
        vals += [float(v) for v in rule["lookup"].values()]
    if "bands" in rule:
        vals += [float(b["points"]) for b in rule["bands"]]
    if "rules" in rule:
        vals += [float(r["points"]) for r in rule["rules"]]
    for sub in rule.get("first_available", []):
        vals += list(point_range(sub))
    for k in ("missing", "default"):
        if rule.get(k) is not None:
            vals.append(float(rule[k]))
    if not vals:
        return (0.0, 0.0)
    return (min(vals), max(vals))


def bounds(node: Node, scale: tuple[float, float] | None) -> tuple[float, float]:
    """Theoretical range of a node's score (used for goalposts, sensitivity and checks)."""
    if node.normalise and node.normalise.get("method") == "goalposts":
        return (0.0, float(node.normalise.get("scale", 1.0)))
    if node.normalise and node.normalise.get("method") == "minmax":
        return (0.0, float(node.normalise.get("scale", 1.0)))
    if node.kind == "item":
        sc = node.scale or scale
        return (float(sc[0]), float(sc[1])) if sc else (math.nan, math.nan)
    if node.kind == "points":
        return point_range(node.points)
    child = [bounds(c, node.scale or scale) for c in node.children]
    if node.aggregation == "sum":
        return (sum(c[0] * w for c, w in zip(child, [c.weight for c in node.children])),
                sum(c[1] * w for c, w in zip(child, [c.weight for c in node.children])))
    return (min(c[0] for c in child), max(c[1] for c in child))


# ---------------------------------------------------------------------------
# loading


def spec_path(index: str | Path) -> Path:
    p = Path(index)
    if p.suffix in {".yaml", ".yml"}:
        return p if p.is_absolute() else (Path.cwd() / p)
    return paths.config_dir() / "indices" / f"{index}.yaml"


def load_spec(index: str | Path | dict) -> IndexSpec:
    """Load and validate an index spec: an id (``"ikd"`` -> ``config/indices/ikd.yaml``),
    a path to a YAML file, or an already-parsed dict.

    >>> spec = load_spec("ikd")
    >>> spec.components
    ['information', 'communication', 'content', 'safety', 'problem_solving']
    """
    if isinstance(index, dict):
        return _validate(index, None)
    path = spec_path(index)
    if not path.exists():
        folder = paths.config_dir() / "indices"
        available = sorted(p.stem for p in folder.glob("*.yaml"))
        raise ConfigError("index spec not found", file=path,
                          expected=f"one of {', '.join(available) or '(none)'} or a path to a YAML file")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", file=path) from exc
    if not isinstance(data, dict):
        raise ConfigError("an index spec must be a mapping", file=path, expected="key: value pairs",
                          found=type(data).__name__)
    return _validate(data, path)


def study_spec(study, index: str) -> IndexSpec:
    """The spec ``study`` scores ``index`` with: the file its study file names under
    ``indices_options.specs`` if any, else ``config/indices/<index>.yaml``. Every
    reader of a study's specs (stages 02-04, validate) goes through here, so they
    cannot disagree about which spec a study uses."""
    return load_spec(study_spec_ref(study, index))


def study_spec_ref(study, index: str) -> str:
    """What :func:`study_spec` loads: an index id or a spec file's path."""
    return study.option("indices_options", "specs", index, default=index)


class _Checker:
    def __init__(self, file: Path | None):
        self.file = file

    def fail(self, where: str, message: str, expected: str | None = None, found: Any = None):
        raise ConfigError(message, file=self.file, column=where, expected=expected, found=found)

    def keys(self, d: dict, allowed: set, where: str) -> None:
        for k in d:
            if k not in allowed:
                near = difflib.get_close_matches(str(k), sorted(allowed), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                self.fail(f"{where}.{k}" if where else str(k), f"unknown key{hint}",
                          expected="one of " + ", ".join(sorted(allowed)))

    def number(self, v: Any, where: str, positive: bool = False) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and math.isnan(v)):
            self.fail(where, "not a number", expected="a number", found=v)
        if positive and v <= 0:
            self.fail(where, "must be positive", expected="a number > 0", found=v)
        return float(v)

    def scale(self, v: Any, where: str) -> tuple[float, float]:
        if not isinstance(v, dict) or "min" not in v or "max" not in v:
            self.fail(where, "scale needs min and max", expected="{min: 1, max: 4}", found=v)
        lo, hi = self.number(v["min"], f"{where}.min"), self.number(v["max"], f"{where}.max")
        if lo >= hi:
            self.fail(where, "scale min must be below max", expected="min < max", found=v)
        return (lo, hi)

    def label(self, v: Any, where: str) -> dict:
        if v is None:
            return {}
        if isinstance(v, str):
            return {"id": v, "en": v}
        if not isinstance(v, dict) or not {"id", "en"} <= set(v):
            self.fail(where, "a label needs Bahasa Indonesia and English text",
                      expected="{id: ..., en: ...}", found=v)
        return {"id": str(v["id"]), "en": str(v["en"])}

    # -- point tables ------------------------------------------------------
    def points(self, rule: Any, where: str) -> dict:
        if not isinstance(rule, dict):
            self.fail(where, "a point table must be a mapping",
                      expected="{field, lookup | bands} or {rules} or {first_available}", found=rule)
        self.keys(rule, POINT_KEYS, where)
        kinds = [k for k in ("lookup", "bands", "rules", "first_available") if k in rule]
        if len(kinds) != 1:
            self.fail(where, "a point table needs exactly one of lookup, bands, rules, first_available",
                      found=kinds or None)
        kind = kinds[0]
        if kind in ("lookup", "bands") and not isinstance(rule.get("field"), str):
            self.fail(f"{where}.field", f"a {kind} table needs the HR field it reads",
                      expected="field: <column name>", found=rule.get("field"))
        for k in ("missing", "default"):
            if rule.get(k) is not None:
                self.number(rule[k], f"{where}.{k}")
        if kind == "lookup":
            lk = rule["lookup"]
            if not isinstance(lk, dict) or not lk:
                self.fail(f"{where}.lookup", "lookup must map values to points",
                          expected="{S1: 15, S2: 20}", found=lk)
            for k, v in lk.items():
                self.number(v, f"{where}.lookup.{k}")
        elif kind == "bands":
            bands = rule["bands"]
            if not isinstance(bands, list) or not bands:
                self.fail(f"{where}.bands", "bands must be a list",
                          expected="[{from: 91, points: 30}, ...]", found=bands)
            froms = []
            for i, b in enumerate(bands):
                w = f"{where}.bands[{i}]"
                if not isinstance(b, dict) or set(b) != {"from", "points"}:
                    self.fail(w, "each band needs from and points", expected="{from: 91, points: 30}", found=b)
                froms.append(self.number(b["from"], f"{w}.from"))
                self.number(b["points"], f"{w}.points")
            if froms != sorted(froms, reverse=True) or len(set(froms)) != len(froms):
                self.fail(f"{where}.bands", "bands must be listed from the highest `from` down, without repeats",
                          found=froms)
        elif kind == "rules":
            rules = rule["rules"]
            if not isinstance(rules, list) or not rules:
                self.fail(f"{where}.rules", "rules must be a list", expected="[{when: {...}, points: 15}]")
            for i, r in enumerate(rules):
                w = f"{where}.rules[{i}]"
                if not isinstance(r, dict) or set(r) != {"when", "points"} or not isinstance(r["when"], dict) \
                        or not r["when"]:
                    self.fail(w, "each rule needs when (field: value) and points",
                              expected="{when: {position_type: struktural, leadership_training: true}, points: 15}",
                              found=r)
                self.number(r["points"], f"{w}.points")
                for f, cond in r["when"].items():
                    if isinstance(cond, dict):
                        self.keys(cond, {"min", "max"}, f"{w}.when.{f}")
        else:
            subs = rule["first_available"]
            if not isinstance(subs, list) or not subs:
                self.fail(f"{where}.first_available", "first_available must list point tables")
            rule = dict(rule)
            rule["first_available"] = [self.points(s, f"{where}.first_available[{i}]")
                                       for i, s in enumerate(subs)]
        return rule

    # -- nodes -------------------------------------------------------------
    def node(self, d: Any, where: str, defaults: dict, seen: dict, scale) -> Node:
        if isinstance(d, str):  # shorthand for an item
            d = {"item": d}
        if not isinstance(d, dict):
            self.fail(where, "a component must be a mapping", expected="{id: ..., children: [...]}", found=d)
        self.keys(d, NODE_KEYS, where)
        has = [k for k in ("children", "items", "points", "item") if k in d]
        if len(has) != 1:
            self.fail(where, "a component needs exactly one of children, items, points or item",
                      found=has or None)
        nid = d.get("id", d.get("item"))
        if not isinstance(nid, str) or not nid:
            self.fail(f"{where}.id", "missing id", expected="a name like 'information'")
        if nid in seen:
            self.fail(f"{where}.id", f"duplicate id (also at {seen[nid]})", found=nid)
        seen[nid] = where
        node_scale = self.scale(d["scale"], f"{where}.scale") if "scale" in d else None
        sc = node_scale or scale
        kind = "item" if "item" in d else "points" if "points" in d else "group"
        agg = d.get("aggregation", defaults.get("aggregation", "mean"))
        if agg not in AGGREGATIONS:
            self.fail(f"{where}.aggregation", "unknown aggregation", expected=" | ".join(AGGREGATIONS), found=agg)
        weight = self.number(d.get("weight", 1.0), f"{where}.weight", positive=True)
        ms_default = 1.0 if agg == "sum" else defaults.get("min_share", 0.5)
        min_share = self.number(d.get("min_share", ms_default), f"{where}.min_share")
        if not 0 < min_share <= 1:
            self.fail(f"{where}.min_share", "out of range", expected="a share in (0, 1]", found=min_share)
        norm = d.get("normalise")
        if norm is not None:
            if isinstance(norm, str):
                norm = {"method": norm}
            if not isinstance(norm, dict) or norm.get("method") not in NORMALISATIONS:
                self.fail(f"{where}.normalise", "unknown normalisation",
                          expected=" | ".join(NORMALISATIONS), found=norm)
            self.keys(norm, {"method", "lo", "hi", "scale"}, f"{where}.normalise")
            if norm["method"] == "goalposts":
                if "lo" not in norm or "hi" not in norm:
                    self.fail(f"{where}.normalise", "goalposts need lo and hi",
                              expected="{method: goalposts, lo: 1, hi: 4, scale: 100}", found=norm)
                if self.number(norm["lo"], f"{where}.normalise.lo") >= self.number(norm["hi"],
                                                                                     f"{where}.normalise.hi"):
                    self.fail(f"{where}.normalise", "goalpost lo must be below hi", found=norm)
            if norm["method"] == "none":
                norm = None
        target = d.get("target")
        if target is not None:
            target = self.number(target, f"{where}.target", positive=True)
        node = Node(id=nid, kind=kind, path=where, label=self.label(d.get("label"), f"{where}.label"),
                    aggregation=agg, weight=weight, min_share=min_share, normalise=norm,
                    reverse=bool(d.get("reverse", False)), scale=node_scale, target=target,
                    assumption=bool(d.get("assumption", False)), note=d.get("note"))
        if kind == "item":
            if sc is None:
                self.fail(f"{where}.scale", "an item needs scale bounds (here or at the top of the spec)",
                          expected="scale: {min: 1, max: 4}")
        elif kind == "points":
            node.points = self.points(d["points"], f"{where}.points")
        else:
            raw_children = d.get("children", d.get("items"))
            key = "children" if "children" in d else "items"
            if not isinstance(raw_children, list) or not raw_children:
                self.fail(f"{where}.{key}", "must be a non-empty list", found=raw_children)
            node.children = [self.node(c, f"{where}.{key}[{i}]", defaults, seen, sc)
                             for i, c in enumerate(raw_children)]
            if agg == "geometric_mean":
                lo, _ = bounds(node, scale)
                if not lo > 0 and node.normalise is None:
                    self.fail(f"{where}.aggregation", "a geometric mean needs strictly positive children",
                              expected="children whose lowest possible score is > 0", found=lo)
        return node


def _validate(data: dict, file: Path | None) -> IndexSpec:
    ck = _Checker(file)
    ck.keys(data, TOP_KEYS, "")
    sid = data.get("id")
    if not isinstance(sid, str) or not sid:
        ck.fail("id", "missing index id", expected="id: ikd")
    scale = ck.scale(data["scale"], "scale") if "scale" in data else None
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        ck.fail("defaults", "must be a mapping", expected="{aggregation: mean, min_share: 0.5}")
    ck.keys(defaults, {"aggregation", "min_share"}, "defaults")
    if "index" not in data:
        ck.fail("index", "missing the component tree", expected="index: {id: overall, children: [...]}")
    root_raw = dict(data["index"]) if isinstance(data["index"], dict) else data["index"]
    if isinstance(root_raw, dict):
        root_raw.setdefault("id", "overall")
    root = ck.node(root_raw, "index", defaults, {}, scale)
    if root.kind != "group":
        ck.fail("index", "the index must aggregate components", expected="index: {children: [...]}")
    if root.id != "overall":
        ck.fail("index.id", "the whole index is called overall (docs/architecture.md)", expected="overall",
                found=root.id)

    inst = data.get("instrument", [])
    inst = [inst] if isinstance(inst, str) else list(inst or [])

    # categories
    bands: list[Band] = []
    band_round = None
    bands_assumption = False
    cats = data.get("categories")
    if cats is not None:
        if not isinstance(cats, dict) or not isinstance(cats.get("bands"), list) or not cats["bands"]:
            ck.fail("categories", "categories need a list of bands",
                    expected="{bands: [{id, min, max, label: {id, en}}]}", found=cats)
        ck.keys(cats, {"bands", "round", "assumption", "note"}, "categories")
        band_round = cats.get("round")
        if band_round is not None and (not isinstance(band_round, int) or isinstance(band_round, bool)):
            ck.fail("categories.round", "round must be a whole number of decimals", found=band_round)
        bands_assumption = bool(cats.get("assumption", False))
        for i, b in enumerate(cats["bands"]):
            w = f"categories.bands[{i}]"
            if not isinstance(b, dict) or "id" not in b or "min" not in b or "label" not in b:
                ck.fail(w, "each band needs id, min and label", expected="{id: baik, min: 2.51, max: 3.25, "
                        "label: {id: Baik, en: Good}}", found=b)
            ck.keys(b, {"id", "min", "max", "label"}, w)
            lab = ck.label(b["label"], f"{w}.label")
            bmax = ck.number(b["max"], f"{w}.max") if b.get("max") is not None else None
            bands.append(Band(id=str(b["id"]), min=ck.number(b["min"], f"{w}.min"), max=bmax,
                              label_id=lab["id"], label_en=lab["en"]))
        mins = [b.min for b in bands]
        if mins != sorted(mins) or len(set(mins)) != len(mins):
            ck.fail("categories.bands", "bands must be listed from the lowest min up, without repeats", found=mins)

    # targets: spec-level mapping and per-node `target:`
    targets: dict[str, float] = {}
    ids = {n.id for n in root.walk()}
    raw_t = data.get("targets") or {}
    if not isinstance(raw_t, dict):
        ck.fail("targets", "targets must map component ids to values", expected="{kualifikasi: 15}")
    for k, v in raw_t.items():
        if k not in ids:
            ck.fail(f"targets.{k}", "target for an unknown component", expected=f"one of {sorted(ids)}")
        targets[k] = ck.number(v, f"targets.{k}", positive=True)
    for n in root.walk():
        if n.target is not None:
            targets.setdefault(n.id, n.target)

    # assumptions: explicit list plus every node / table flagged `assumption: true`
    assumptions = []
    for i, a in enumerate(data.get("assumptions") or []):
        if not isinstance(a, dict) or "about" not in a or "text" not in a:
            ck.fail(f"assumptions[{i}]", "each assumption needs about and text",
                    expected="{about: categories, text: {id: ..., en: ...}}", found=a)
        assumptions.append({"about": str(a["about"]), "text": ck.label(a["text"], f"assumptions[{i}].text")})
    listed = {a["about"] for a in assumptions}
    for n in root.walk():
        flagged = n.assumption or rule_flagged(n.points)
        if flagged and n.id not in listed:
            note = n.note or (n.points or {}).get("note") or "point table not found in a primary source"
            assumptions.append({"about": n.id, "text": ck.label(note, f"{n.path}.note")})
    if bands_assumption and "categories" not in listed:
        note = cats.get("note") or "category bands are the study's own choice"
        assumptions.append({"about": "categories", "text": ck.label(note, "categories.note")})

    w = data.get("weights") or {}
    if not isinstance(w, dict):
        ck.fail("weights", "must be a mapping", expected="{population: [headcount_pns, headcount_pppk]}")
    ck.keys(w, {"population"}, "weights")
    pop = w.get("population", ["headcount_pns", "headcount_pppk"])
    pop = (pop,) if isinstance(pop, str) else tuple(pop)

    return IndexSpec(id=sid, name=ck.label(data.get("name", sid), "name"), file=file,
                     instruments=tuple(inst), scale=scale, root=root, bands=bands, band_round=band_round,
                     bands_assumption=bands_assumption, targets=targets, assumptions=assumptions,
                     population=pop, raw=data, uncertainty=_uncertainty(ck, data.get("uncertainty")))


def _uncertainty(ck: _Checker, raw: Any) -> UncertaintySpec:
    """Validate the ``uncertainty:`` block (see :class:`UncertaintySpec`)."""
    u = UncertaintySpec()
    if raw is None:
        return u
    if not isinstance(raw, dict):
        ck.fail("uncertainty", "must be a mapping", expected="{n: 1000, seed: 1, weights: {...}, ...}", found=raw)
    ck.keys(raw, UNCERTAINTY_KEYS, "uncertainty")

    def whole(key: str, lo: int) -> int:
        v = raw[key]
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            ck.fail(f"uncertainty.{key}", "must be a whole number", expected=f"an integer >= {lo}", found=v)
        return int(v)

    def flag(key: str) -> bool:
        if not isinstance(raw[key], bool):
            ck.fail(f"uncertainty.{key}", "must be true or false", expected="true | false", found=raw[key])
        return raw[key]

    if "n" in raw:
        u.n = whole("n", 8)
    if "seed" in raw:
        u.seed = whole("seed", 0)
    if "ci_resamples" in raw:
        u.ci_resamples = whole("ci_resamples", 10)
    if "sensitivity_n" in raw:
        u.sensitivity_n = whole("sensitivity_n", 8)
    for key in ("sensitivity", "leave_one_out", "survey_weights"):
        if key in raw:
            setattr(u, key, flag(key))
    if "conf_level" in raw:
        c = ck.number(raw["conf_level"], "uncertainty.conf_level")
        if not 0.5 <= c < 1:
            ck.fail("uncertainty.conf_level", "out of range", expected="a level in [0.5, 1)", found=c)
        u.conf_level = c
    if "weights" in raw:
        w = raw["weights"]
        if w is False or w is None:
            u.weights = None
        else:
            if not isinstance(w, dict) or w.get("method") not in ("uniform", "dirichlet"):
                ck.fail("uncertainty.weights", "unknown weight perturbation",
                        expected="{method: uniform, spread: 0.25} | {method: dirichlet, concentration: 50} | false",
                        found=w)
            ck.keys(w, {"method", "spread", "concentration"}, "uncertainty.weights")
            w = dict(w)
            if w["method"] == "uniform":
                w["spread"] = ck.number(w.get("spread", 0.25), "uncertainty.weights.spread", positive=True)
                if w["spread"] >= 1:
                    ck.fail("uncertainty.weights.spread", "a weight must stay positive",
                            expected="a share in (0, 1)", found=w["spread"])
            else:
                w["concentration"] = ck.number(w.get("concentration", 50), "uncertainty.weights.concentration",
                                               positive=True)
            u.weights = w
    for key, allowed in (("aggregation", ("arithmetic", "geometric")),
                         ("normalisation", ("minmax", "goalposts", "zscore"))):
        if key in raw:
            v = raw[key]
            if v is False or v is None:
                setattr(u, key, None)
            elif not isinstance(v, list) or not v or any(x not in allowed for x in v):
                ck.fail(f"uncertainty.{key}", "must list alternatives (or be false)",
                        expected="a list of " + " | ".join(allowed), found=v)
            else:
                setattr(u, key, list(dict.fromkeys(v)))
    if "min_share" in raw:
        v = raw["min_share"]
        if v is False or v is None:
            u.min_share = None
        else:
            if not isinstance(v, list) or not v:
                ck.fail("uncertainty.min_share", "must list alternative shares (or be false)",
                        expected="[0.25, 0.75, 1.0]", found=v)
            vals = [ck.number(x, f"uncertainty.min_share[{i}]") for i, x in enumerate(v)]
            if any(not 0 < x <= 1 for x in vals):
                ck.fail("uncertainty.min_share", "out of range", expected="shares in (0, 1]", found=v)
            u.min_share = list(dict.fromkeys(vals))
    if "band_edges" in raw:
        v = raw["band_edges"]
        if v is False or v is None:
            u.band_edges = None
        else:
            if not isinstance(v, dict):
                ck.fail("uncertainty.band_edges", "must be a mapping (or false)", expected="{shift: 0.1}", found=v)
            ck.keys(v, {"shift"}, "uncertainty.band_edges")
            u.band_edges = {"shift": ck.number(v.get("shift", 0.1), "uncertainty.band_edges.shift", positive=True)}
    if "sampling" in raw:
        v = raw["sampling"]
        if v is False or v is None:
            u.sampling = None
        else:
            if not isinstance(v, dict) or v.get("method", "bootstrap") != "bootstrap":
                ck.fail("uncertainty.sampling", "unknown sampling design",
                        expected="{method: bootstrap, fpc: true} | false", found=v)
            ck.keys(v, {"method", "fpc"}, "uncertainty.sampling")
            fpc = v.get("fpc", True)
            if not isinstance(fpc, bool):
                ck.fail("uncertainty.sampling.fpc", "must be true or false", found=fpc)
            u.sampling = {"method": "bootstrap", "fpc": fpc}
    return u


def spec_tree(spec: IndexSpec) -> pd.DataFrame:
    """The component tree as a table (one row per component, items counted, not
    listed), for notebooks and reports."""
    rows = []

    def visit(node: Node, depth: int, parent: str | None) -> None:
        if node.kind == "item":
            return
        lo, hi = bounds(node, spec.scale)
        rows.append({"depth": depth, "id": node.id, "parent": parent, "label_id": node.label.get("id"),
                     "label_en": node.label.get("en"), "kind": node.kind,
                     "aggregation": node.aggregation if node.kind == "group" else "points",
                     "weight": node.weight, "min_share": node.min_share,
                     "n_items": sum(1 for n in node.leaves() if n.kind == "item"),
                     "min": lo, "max": hi, "target": spec.targets.get(node.id),
                     "assumption": bool(node.assumption or rule_flagged(node.points))})
        for c in node.children:
            visit(c, depth + 1, node.id)

    visit(spec.root, 0, None)
    return pd.DataFrame(rows)


def disclosures(spec: IndexSpec, lang: str = "id") -> list[str]:
    """The assumptions a report on this index must state, in ``lang`` (id | en)."""
    return [f"{a['about']}: {a['text'].get(lang, a['text'].get('en'))}" for a in spec.assumptions]
