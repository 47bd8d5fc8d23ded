"""allysim: an agent-based model of alliance cost-sharing negotiations (Mesa 3.5)."""


def __getattr__(name: str) -> str:
    if name == "__version__":  # the installed distribution's, as `allysim --version` prints it
        from importlib import metadata

        return metadata.version("allysim")
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
