"""The game's rules: writes live here (one module per area), reads in selectors."""
