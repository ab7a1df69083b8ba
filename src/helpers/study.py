"""A study: which raw files, which instrument each follows, which regions and
indices, and the targets and report options. Defined in
``config/studies/<id>.yaml``; see ``docs/architecture.md`` for every key."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import paths
from .errors import ConfigError

# libyaml's parser (same safe constructor) when installed: ~10x faster than the pure-Python one
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def slugify(text: str) -> str:
    """``"Kabupaten Kutai Kartanegara"`` -> ``"kabupaten-kutai-kartanegara"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    kind: str = "kabupaten"  # kabupaten | kota | provinsi
    province: str | None = None


@dataclass(frozen=True)
class Source:
    """One raw export."""

    file: str  # relative to the study's raw folder
    instrument: str  # config/instruments/<instrument>.yaml
    region: str | None  # region id, or None when the file carries a region column
    wave: int | None = None
    sheet: str | int | None = None
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Study:
    id: str
    title: str
    config_file: Path
    regions: tuple[Region, ...]
    sources: tuple[Source, ...]
    indices: tuple[str, ...]
    registry: str
    raw: dict[str, Any]  # the whole YAML, for stage-specific options

    @property
    def raw_dir(self) -> Path:
        return paths.raw_dir(self.id)

    @property
    def processed_dir(self) -> Path:
        return paths.processed_dir(self.id)

    @property
    def reports_dir(self) -> Path:
        return paths.reports_dir(self.id)

    @property
    def registry_path(self) -> Path:
        return self.raw_dir / self.registry

    def region(self, region_id: str) -> Region:
        for r in self.regions:
            if r.id == region_id:
                return r
        known = ", ".join(r.id for r in self.regions)
        raise ConfigError(f"unknown region {region_id!r}", file=self.config_file,
                          column="regions", expected=f"one of: {known}")

    def option(self, *keys: str, default: Any = None) -> Any:
        """``study.option("quality", "speeder_ratio", default=0.3)``."""
        node: Any = self.raw
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node

    def input_files(self) -> list[Path]:
        """Every raw file the study reads (registry first), for hashing."""
        files = [self.registry_path] + [self.raw_dir / s.file for s in self.sources]
        return files


def study_path(study: str | Path) -> Path:
    p = Path(study)
    if p.suffix in {".yaml", ".yml"}:
        return p if p.is_absolute() else (Path.cwd() / p)
    return paths.config_dir() / "studies" / f"{study}.yaml"


def load_study(study: str | Path = "sample") -> Study:
    """Load and validate ``config/studies/<study>.yaml`` (or a path to a YAML file)."""
    path = study_path(study)
    if not path.exists():
        available = sorted(p.stem for p in (paths.config_dir() / "studies").glob("*.yaml"))
        raise ConfigError("study file not found", file=path,
                          expected=f"one of the studies in config/studies/: {', '.join(available)}")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", file=path) from exc

    def need(key: str, kind: type) -> Any:
        if key not in data:
            raise ConfigError("missing key", file=path, column=key, expected=kind.__name__)
        if not isinstance(data[key], kind):
            raise ConfigError("wrong type", file=path, column=key, expected=kind.__name__,
                              found=type(data[key]).__name__)
        return data[key]

    sid = str(need("id", str))
    regions = []
    for i, r in enumerate(need("regions", list)):
        if not isinstance(r, dict) or "name" not in r:
            raise ConfigError("each region needs at least a name", file=path,
                              column=f"regions[{i}]", expected="{id, name, kind}")
        regions.append(Region(id=r.get("id") or slugify(r["name"]), name=r["name"],
                              kind=r.get("kind", "kabupaten"), province=r.get("province")))
    region_ids = {r.id for r in regions}
    sources = []
    for i, s in enumerate(need("sources", list)):
        if not isinstance(s, dict) or "file" not in s or "instrument" not in s:
            raise ConfigError("each source needs a file and an instrument", file=path,
                              column=f"sources[{i}]", expected="{file, instrument, region}")
        if s.get("region") is not None and s["region"] not in region_ids:
            raise ConfigError("source names an unknown region", file=path,
                              column=f"sources[{i}].region",
                              expected=f"one of {sorted(region_ids)}", found=s["region"])
        extra = {k: v for k, v in s.items() if k not in {"file", "instrument", "region", "wave", "sheet"}}
        sources.append(Source(file=s["file"], instrument=s["instrument"], region=s.get("region"),
                              wave=s.get("wave"), sheet=s.get("sheet"), options=extra))
    return Study(
        id=sid,
        title=str(data.get("title", sid)),
        config_file=path,
        regions=tuple(regions),
        sources=tuple(sources),
        indices=tuple(data.get("indices", [])),
        registry=str(data.get("registry", "units.csv")),
        raw=data,
    )
