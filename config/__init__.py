"""Settings loader and the default data files (sources, gazetteer, taxonomy, risk rules)."""

from config.settings import Settings, SettingsError, default_config_dir, load_settings

__all__ = ["Settings", "SettingsError", "default_config_dir", "load_settings"]
