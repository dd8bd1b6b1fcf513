"""Model Monitor's data-quality files (statistics.json, constraints.json, constraint_violations.json), computed here."""
