"""The file itself: opening, migrating, encrypting, checking, backing up, writing private files."""
