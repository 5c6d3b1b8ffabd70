"""Tools built on the engine: intake and ask, the case runner, coverage, impact (diff), batch and scale-out."""
