"""The regression suite shipped with the package: suite.toml and its scenarios (SPEC §6)."""
