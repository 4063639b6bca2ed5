"""Moving data in and out: import, export, iCalendar."""
