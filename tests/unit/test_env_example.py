"""`.env.example` lists every setting the app reads."""

from pathlib import Path

from pydantic import AliasChoices

from vocahire.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented_in_env_example():
    listed = {
        line.split("=", 1)[0].strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    names = set()
    for info in Settings.model_fields.values():
        alias = info.validation_alias
        names.add(str(alias.choices[0]) if isinstance(alias, AliasChoices) else str(alias))
    assert sorted(names - listed) == []
