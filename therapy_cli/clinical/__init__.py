"""The clinical record's rules: questionnaires, measures, treatment plans."""
