"""An earlier wave of a survey: the same units, surveyed a year before.

Model: the workforce is the later wave's, minus the staff appointed after the
earlier survey (:func:`helpers.synth.survey.plan_survey` drops them), and each
person's general level ``g`` is lowered by the change of their unit,

    change_u = CHANGE_PER_UNIT_EFFECT * unit_effect_u + N(0, CHANGE_SD),

so units that are strong now are those that gained most (the unit-level change
correlates with the unit effects, as a training programme aimed at the willing
would produce). The overall level of the earlier wave is then set by one
intercept shift common to all areas, solved by bisection on the rows cleaning
keeps (:func:`helpers.synth.ordinal.calibrate_shift`), so the area profile of
the later wave carries over. The level is a synthetic choice, not a published
figure.

Example
-------
>>> pop22 = earlier_wave(world.pop, "kab-kutai-kartanegara", rng)   # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np
import pandas as pd

CHANGE_PER_UNIT_EFFECT = 0.5
CHANGE_SD = 0.05


def earlier_wave(pop: pd.DataFrame, region: str, rng: np.random.Generator) -> pd.DataFrame:
    """``pop`` with ``g`` of ``region``'s staff moved back by their unit's change
    (other regions unchanged: they answer only as other-region rows)."""
    here = (pop["region_id"] == region).to_numpy()
    units = pd.unique(pop.loc[here, "unit_id"])
    noise = pd.Series(rng.normal(0, CHANGE_SD, len(units)), index=units)
    change = CHANGE_PER_UNIT_EFFECT * pop["unit_eff"].to_numpy() + noise.reindex(pop["unit_id"]).to_numpy()
    out = pop.copy()
    out["g"] = np.where(here, pop["g"].to_numpy() - change, pop["g"].to_numpy())
    return out
