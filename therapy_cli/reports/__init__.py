"""What the record says back: service reports, reminders, client reports, charts."""
