"""EU thresholds as data (R4): the dated rows the procedure decision reads, maintained by admins."""
